/*
 * A child for test_proc_win32: what the C runtime made of its command line and
 * what it sees around it, in UTF-8 on stdout.
 *   helper_argv ARGS...         each argument as "[arg]" on a line
 *   helper_argv --env NAME      the value of NAME, then "count=N": entries named
 *                               NAME in any case (the block must hold one)
 *   helper_argv --cwd           the current directory
 *   helper_argv --sleep MS      sleep, then print "slept"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

static void out_w(const wchar_t *s)
{
	char buf[8192];
	DWORD done;
	int n = WideCharToMultiByte(CP_UTF8, 0, s, -1, buf, sizeof(buf), NULL, NULL);

	if (n > 0)
		WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), buf, (DWORD)n - 1, &done, NULL);
}

int wmain(int argc, wchar_t **argv)
{
	wchar_t buf[4096];

	if (argc == 3 && !wcscmp(argv[1], L"--env")) {
		size_t nlen = wcslen(argv[2]);
		wchar_t *block = GetEnvironmentStringsW();
		int count = 0;

		for (wchar_t *e = block; *e; e += wcslen(e) + 1)
			if (!_wcsnicmp(e, argv[2], nlen) && e[nlen] == L'=')
				count++;
		FreeEnvironmentStringsW(block);
		if (!GetEnvironmentVariableW(argv[2], buf, 4096))
			buf[0] = 0;
		out_w(buf);
		swprintf(buf, 4096, L"\ncount=%d\n", count);
		out_w(buf);
		return 0;
	}
	if (argc == 2 && !wcscmp(argv[1], L"--cwd")) {
		GetCurrentDirectoryW(4096, buf);
		out_w(buf);
		out_w(L"\n");
		return 0;
	}
	if (argc == 3 && !wcscmp(argv[1], L"--sleep")) {
		Sleep((DWORD)wcstoul(argv[2], NULL, 10));
		out_w(L"slept\n");
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		out_w(L"[");
		out_w(argv[i]);
		out_w(L"]\n");
	}
	return 0;
}
