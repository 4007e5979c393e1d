@echo off
rem The toolkit step of action.yml and cache\*\action.yml on Windows runners,
rem with nothing but cmd and what Windows 10 (1803) and later ship: find the
rem soak-* programs, put their directory on the job's PATH and in the output
rem bin-dir.
rem   action-setup.cmd PROGRAM...
rem In order:
rem   1. SOAK_ACTION_TOOLKIT (the toolkit-path input): a directory holding every
rem      PROGRAM.exe, or an install prefix with them in bin\; else an error.
rem   2. the release programs (soak-action-windows-ARCH.zip), when the action's
rem      own tree lists them in release\SHA256SUMS, as scripts/action-setup.sh
rem      does: from the tool cache (RUNNER_TOOL_CACHE\soak-action\TAG\ARCH, whole
rem      when ARCH.complete holds the archive's checksum), else downloaded with
rem      curl.exe (retries) from SOAK_ACTION_MIRROR\TAG\ARCHIVE or the action
rem      repository's GitHub release TAG, hashed with certutil, compared with
rem      that line, unpacked with tar.exe into the tool cache. TAG is
rem      release\TAG, else the action's ref. A failed download or another
rem      checksum stops the step: nothing of the archive is run or kept.
rem   3. every PROGRAM.exe on PATH: the directory of the first.
rem A Windows runner has no compiler: toolkit-build always is refused, and
rem without 1-3 the step fails (README, "Windows runners"). No input is ever
rem part of this script's text: they come in as environment variables.
rem Exit: 0 found, 1 checksum mismatch, 2 a bad input or nothing found, 3 an
rem archive without the programs, 4 a download that failed.
setlocal EnableExtensions EnableDelayedExpansion
if /i "!SOAK_ACTION_DEBUG!"=="true" echo on
if /i "!RUNNER_DEBUG!"=="1" echo on
if "%~1"=="" (
	echo usage: action-setup.cmd PROGRAM... 1>&2
	exit /b 2
)
set "src=%~dp0.."
rem the inputs, copied: an empty one is then not defined (Wine passes X= as defined)
set "toolkit=!SOAK_ACTION_TOOLKIT!"
set "mirror=!SOAK_ACTION_MIRROR!"
set "repository=!SOAK_ACTION_REPOSITORY!"
set "ref=!SOAK_ACTION_REF!"
set "bin="
set "how=toolkit-path"
set "source="
set "mode=!SOAK_ACTION_BUILD!"
if not defined mode set "mode=auto"
if /i "!mode!"=="auto" goto mode_ok
if /i "!mode!"=="never" goto mode_ok
if /i "!mode!"=="always" goto mode_ok
echo ::error title=soak-action::toolkit-build '!mode!' is not one of auto, always, never
exit /b 2
:mode_ok
rem straight-line with goto: blocks around call misbehave in some cmd versions (Wine's)
if not defined toolkit goto no_toolkit
call :has_all "!toolkit!" %*
if not errorlevel 1 set "bin=!toolkit!"
if defined bin goto found
call :has_all "!toolkit!\bin" %*
if not errorlevel 1 set "bin=!toolkit!\bin"
if defined bin goto found
echo ::error title=soak-action::toolkit-path '!toolkit!' does not hold %* nor its bin
exit /b 2

:no_toolkit
if /i not "!mode!"=="always" goto release
echo ::error title=soak-action::toolkit-build is always, but a Windows runner has no compiler for the action to build with: give toolkit-path
exit /b 2
:release
set "rel_code="
call :release %*
if defined rel_code exit /b !rel_code!
if defined bin goto found

set "how=PATH"
for %%p in ("%~1.exe") do set "bin=%%~dp$PATH:p"
if not defined bin goto not_found
call :has_all "!bin!." %*
if not errorlevel 1 goto found
:not_found
echo ::error title=soak-action::%* are not on PATH and there are no release programs for this runner: give toolkit-path, a directory holding them
exit /b 2

:found
rem absolute, without a trailing backslash
for %%d in ("%bin%.") do set "bin=%%~fd"
"!bin!\%~1.exe" --version
if errorlevel 1 (
	echo ::error title=soak-action::!bin!\%~1.exe does not run
	exit /b 4
)
if not defined source set "source=!how!"
echo soak-action: programs in !bin!, from !how!
if defined GITHUB_OUTPUT >>"!GITHUB_OUTPUT!" echo bin-dir=!bin!
if defined GITHUB_OUTPUT >>"!GITHUB_OUTPUT!" echo source=!source!
if defined GITHUB_PATH >>"!GITHUB_PATH!" echo !bin!
exit /b 0

rem :has_all DIR PROGRAM...: exit 0 when DIR holds every PROGRAM.exe
:has_all
set "dir=%~1"
:has_all_next
shift
if "%~1"=="" exit /b 0
if not exist "!dir!\%~1.exe" exit /b 1
goto has_all_next

rem :check_hex, :check_tag: bad=1 unless rest (defined) is made of 0-9 a-f
rem (a SHA-256 in hex, either case), or of A-Z a-z 0-9 . _ - not starting with
rem . _ or - (a release tag); len is its length. One character at a time, by
rem call set and %%: Wine's cmd has no !var:~n,m! and no !var:a=b!; a character
rem that does not come through call set unchanged (% ^ ! ") ends the loop early
rem and fails the final comparison.
:check_hex
set "bad="
set "built="
set "len=0"
:check_hex_next
call set "ch=%%rest:~%len%,1%%"
if "!built!"=="!rest!" exit /b 0
set "ok="
for %%c in (0 1 2 3 4 5 6 7 8 9 a b c d e f) do if /i "!ch!"=="%%c" set "ok=1"
if not defined ok set "bad=1"
if not defined ok exit /b 0
set "built=!built!!ch!"
set /a len+=1
goto check_hex_next

:check_tag
set "bad="
set "built="
set "len=0"
call set "ch=%%rest:~0,1%%"
for %%c in (. _ -) do if "!ch!"=="%%c" set "bad=1"
:check_tag_next
call set "ch=%%rest:~%len%,1%%"
if "!built!"=="!rest!" exit /b 0
set "ok="
for %%c in (0 1 2 3 4 5 6 7 8 9 a b c d e f g h i j k l m n o p q r s t u v w x y z . _ -) do if /i "!ch!"=="%%c" set "ok=1"
if not defined ok set "bad=1"
if not defined ok exit /b 0
set "built=!built!!ch!"
set /a len+=1
goto check_tag_next

rem :release PROGRAM...: the release programs in the tool cache, downloaded
rem when not there yet; sets bin, how and source when found, rel_code to the
rem step's exit code when it must stop, neither when there are none for this
rem runner.
:release
set "arch=!RUNNER_ARCH!"
if not defined arch set "arch=!PROCESSOR_ARCHITECTURE!"
if /i "!arch!"=="X64" set "arch=x64"
if /i "!arch!"=="AMD64" set "arch=x64"
if /i "!arch!"=="ARM64" set "arch=arm64"
set "archive=soak-action-windows-!arch!.zip"
if exist "!src!\release\SHA256SUMS" goto rel_sums
echo soak-action: no release\SHA256SUMS in the action's tree: no release programs at this ref
exit /b 0
:rel_sums
set "expected="
rem %sums% and one-line bodies: Wine's cmd expands no !var! in a for /f file name
set "sums=!src!\release\SHA256SUMS"
for /f "usebackq tokens=1,2" %%a in ("%sums%") do if "%%b"=="!archive!" set "expected=%%a"
for /f "usebackq tokens=1,2" %%a in ("%sums%") do if "%%b"=="*!archive!" set "expected=%%a"
if defined expected goto rel_line
echo soak-action: release\SHA256SUMS has no !archive!: no release programs for windows-!arch!
exit /b 0
:rel_line
set "rest=!expected!"
call :check_hex
if not "!len!"=="64" set "bad=1"
if not defined bad goto rel_tag
echo ::error title=soak-action::release/SHA256SUMS: the line of !archive! has no SHA-256 ('!expected!')
set "rel_code=3"
exit /b 0
:rel_tag
set "tag="
set "tagfile=!src!\release\TAG"
if exist "%tagfile%" for /f "usebackq tokens=1" %%t in ("%tagfile%") do if not defined tag set "tag=%%t"
if not defined tag set "tag=!ref!"
if defined tag goto rel_tag_check
echo soak-action: no release tag (release/TAG, or the action's ref) for !archive!
exit /b 0
:rel_tag_check
set "rest=!tag!"
call :check_tag
if not defined bad goto rel_cache
echo ::error title=soak-action::release tag '!tag!' has characters outside A-Z a-z 0-9 . _ -
set "rel_code=2"
exit /b 0

:rel_cache
set "cache=!RUNNER_TOOL_CACHE!"
if not defined cache set "cache=!RUNNER_TEMP!\soak-action-tools"
set "cache=!cache!\soak-action\!tag!"
set "entry=!cache!\!arch!"
if not exist "!entry!.complete" goto rel_download
set "done="
set /p done=<"!entry!.complete"
if /i not "!done!"=="!expected!" goto rel_download
call :has_all "!entry!\bin" %*
if errorlevel 1 goto rel_download
set "bin=!entry!\bin"
set "how=release !tag!, from the tool cache !entry!"
set "source=release !tag!"
exit /b 0

:rel_download
if defined mirror goto rel_mirror
if defined repository goto rel_github
echo soak-action: no action repository known (a local action) and no toolkit-mirror: not downloading !archive!
exit /b 0
:rel_mirror
rem the mirror's URL is shown as toolkit-mirror, never printed: it may hold a
rem user name and password; its last character alone comes through call set
set "last="
call set "last=%%mirror:~-1%%"
set "url=!mirror!/!tag!/!archive!"
if "!last!"=="/" set "url=!mirror!!tag!/!archive!"
set "where=toolkit-mirror"
set "shown=toolkit-mirror/!tag!/!archive!"
goto rel_shown
:rel_github
set "url=https://github.com/!repository!/releases/download/!tag!/!archive!"
set "where=the GitHub release"
set "shown=!url!"
:rel_shown
set "curl=%SystemRoot%\System32\curl.exe"
if exist "!curl!" goto rel_curl
echo ::warning title=soak-action::!curl! is not there (Windows 10 1803 and later have it): not downloading !archive!
exit /b 0
:rel_curl
set "dl=!RUNNER_TEMP!"
if not defined dl set "dl=%TEMP%"
set "dl=!dl!\soak-action-download-!RANDOM!!RANDOM!"
md "!dl!"
echo soak-action: downloading !archive! (release !tag!) from !where!: !shown!
rem --retry: timeouts, refused connections and HTTP 408, 429, 5xx, with a
rem doubling wait (1 s, 2 s, 4 s, 8 s: 5 tries); a 404 is final at once
"!curl!" --fail --silent --show-error --location --retry 4 --retry-connrefused --connect-timeout 20 --max-time 900 --output "!dl!\!archive!" -- "!url!" 2>"!dl!\curl.err"
if not errorlevel 1 goto rel_hash
set "cerr="
for /f "usebackq delims=" %%l in ("!dl!\curl.err") do set "cerr=%%l"
rd /s /q "!dl!"
echo ::error title=soak-action::cannot download !archive! from !shown!: !cerr! (a network error or a busy server is tried 5 times); give toolkit-mirror or toolkit-path
set "rel_code=4"
exit /b 0
:rel_hash
set "got="
for /f "skip=1 delims=" %%h in ('%SystemRoot%\System32\certutil.exe -hashfile "!dl!\!archive!" SHA256') do if not defined got set "got=%%h"
if defined got set "got=!got: =!"
set "bad=1"
set "rest=!got!"
if defined got call :check_hex
if not "!len!"=="64" set "bad=1"
if not defined bad goto rel_compare
rd /s /q "!dl!"
echo ::error title=soak-action::certutil -hashfile could not hash !archive!; nothing from it was run or kept
set "rel_code=4"
exit /b 0
:rel_compare
if /i "!got!"=="!expected!" goto rel_unpack
rd /s /q "!dl!"
set "at=!ref!"
if not defined at set "at=!tag!"
echo ::error title=soak-action::checksum mismatch for !archive! from !shown!: SHA-256 !got!, release/SHA256SUMS of the action at !at! says !expected!; nothing from it was run or kept
set "rel_code=1"
exit /b 0
:rel_unpack
echo soak-action: !archive! verified (SHA-256 !got!, release/SHA256SUMS)
rem unpacked beside its place, moved there whole, ARCH.complete written last
set "stage=!cache!\.!arch!.tmp"
if exist "!entry!.complete" del /q "!entry!.complete"
if exist "!stage!" rd /s /q "!stage!"
md "!stage!"
"%SystemRoot%\System32\tar.exe" -xf "!dl!\!archive!" -C "!stage!"
if errorlevel 1 goto rel_bad_archive
call :has_all "!stage!\soak-action-windows-!arch!\bin" %*
if errorlevel 1 goto rel_bad_archive
if exist "!entry!" rd /s /q "!entry!"
move "!stage!\soak-action-windows-!arch!" "!entry!" >nul
rd /s /q "!stage!"
rd /s /q "!dl!"
>"!entry!.complete.tmp" echo !expected!
move /y "!entry!.complete.tmp" "!entry!.complete" >nul
set "bin=!entry!\bin"
set "how=release !tag!, downloaded and verified, in the tool cache !entry!"
set "source=release !tag!"
exit /b 0
:rel_bad_archive
rd /s /q "!stage!"
rd /s /q "!dl!"
echo ::error title=soak-action::!archive! does not hold soak-action-windows-!arch!\bin\ with %*
set "rel_code=3"
exit /b 0
