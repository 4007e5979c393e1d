@echo off
rem The periodic command of action.yml's soak-run step on Windows (soak-run.exe
rem --every, every health-interval minutes during the run), run by cmd /d /s /c:
rem scripts/action-every.sh on Linux and macOS, which says what each part does.
rem health-url: soak-canary notify --health; pushgateway-url: soak-report
rem --format none --push. Both run every time: one failing does not stop the
rem other. Exit 0 when every part that ran did its work, else the exit code of
rem the last that did not. The URLs come in the environment (delayed expansion:
rem a value is never parsed as cmd syntax). GITHUB_ACTIONS is cleared: the output
rem goes to logs\every.log, a file of the artifact.
setlocal EnableExtensions EnableDelayedExpansion
set "GITHUB_ACTIONS="
set "rc=0"
rem straight-line with goto: blocks around programs misbehave in some cmd versions (Wine's)
if not defined SOAK_ACTION_HEALTH_URL goto push
"!SOAK_ACTION_BIN!\soak-canary.exe" notify --health "!SOAK_DIR!" --notify "!SOAK_ACTION_HEALTH_URL!"
if errorlevel 1 set "rc=!errorlevel!"
:push
if not defined SOAK_ACTION_PUSH_URL goto done
"!SOAK_ACTION_BIN!\soak-report.exe" --quiet --dir "!SOAK_DIR!" --format none --push "!SOAK_ACTION_PUSH_URL!"
rem soak-report exits 1 for a FAIL verdict after a push that went through
if errorlevel 2 goto push_failed
echo soak-action: metrics pushed to pushgateway-url, job soak
goto done
:push_failed
set "rc=!errorlevel!"
:done
exit /b !rc!
