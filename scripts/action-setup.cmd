@echo off
rem The toolkit step of action.yml and cache\*\action.yml on Windows runners,
rem with nothing but cmd: find the soak-* programs, put their directory on the
rem job's PATH and in the output bin-dir.
rem   action-setup.cmd PROGRAM...
rem In order:
rem   1. SOAK_ACTION_TOOLKIT (the toolkit-path input): a directory holding every
rem      PROGRAM.exe, or an install prefix with them in bin\; else an error.
rem   2. every PROGRAM.exe on PATH: the directory of the first.
rem There is no release binary to download yet and a Windows runner has no
rem compiler: give toolkit-path (README, "Windows runners"). No input is ever
rem part of this script's text: they come in as environment variables.
setlocal EnableExtensions EnableDelayedExpansion
if /i "!SOAK_ACTION_DEBUG!"=="true" echo on
if /i "!RUNNER_DEBUG!"=="1" echo on
if "%~1"=="" (
	echo usage: action-setup.cmd PROGRAM... 1>&2
	exit /b 2
)
set "bin="
set "how=toolkit-path"
rem straight-line with goto: blocks around call misbehave in some cmd versions (Wine's)
if not defined SOAK_ACTION_TOOLKIT goto on_path
call :has_all "!SOAK_ACTION_TOOLKIT!" %*
if not errorlevel 1 set "bin=!SOAK_ACTION_TOOLKIT!"
if defined bin goto found
call :has_all "!SOAK_ACTION_TOOLKIT!\bin" %*
if not errorlevel 1 set "bin=!SOAK_ACTION_TOOLKIT!\bin"
if defined bin goto found
echo ::error title=soak-action::toolkit-path '!SOAK_ACTION_TOOLKIT!' does not hold %* nor its bin
exit /b 2

:on_path
set "how=PATH"
for %%p in ("%~1.exe") do set "bin=%%~dp$PATH:p"
if not defined bin goto not_found
call :has_all "!bin!." %*
if not errorlevel 1 goto found
:not_found
echo ::error title=soak-action::%* are not on PATH: give toolkit-path, a directory holding them
exit /b 2

:found
rem absolute, without a trailing backslash
for %%d in ("%bin%.") do set "bin=%%~fd"
"!bin!\%~1.exe" --version
if errorlevel 1 (
	echo ::error title=soak-action::!bin!\%~1.exe does not run
	exit /b 4
)
echo soak-action: programs in !bin!, from !how!
if defined GITHUB_OUTPUT >>"!GITHUB_OUTPUT!" echo bin-dir=!bin!
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
