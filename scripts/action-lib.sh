# Helpers for scripts/action-setup.sh, the toolkit step of action.yml and
# cache/*/action.yml on Linux and macOS (every other step is one call of a
# program; scripts/action-setup.cmd is the toolkit step on Windows).
# Inputs reach the steps only through environment variables (never through
# ${{ }} in a script), so nothing here evaluates a value as shell code.

# soak_action_debug: trace the step's commands when the action's debug input is
# true or the run was re-run with debug logging (the runner sets RUNNER_DEBUG=1).
soak_action_debug()
{
	if [ "${SOAK_ACTION_DEBUG:-}" = true ] || [ "${RUNNER_DEBUG:-}" = 1 ]; then
		set -x
	fi
}

# soak_action_escape TEXT: escape for a workflow command's message, as the runner
# unescapes it (% \r \n), so a value cannot start a command of its own.
soak_action_escape()
{
	local s=$1
	s=${s//'%'/'%25'}
	s=${s//$'\r'/'%0D'}
	s=${s//$'\n'/'%0A'}
	printf '%s' "$s"
}

# soak_action_error TITLE MESSAGE: an error annotation (and stderr outside Actions).
soak_action_error()
{
	if [ "${GITHUB_ACTIONS:-}" = true ]; then
		printf '::error title=%s::%s\n' "$1" "$(soak_action_escape "$2")"
	else
		printf '%s: %s\n' "$1" "$2" >&2
	fi
}

# soak_action_hide_userinfo URL: URL with the user name and password, if any,
# shown as ****, as the programs show them (common/net/url.h): the authority
# ends at the first / ? or #, its userinfo at the last @ in it.
soak_action_hide_userinfo()
{
	local re='^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@([^/?#@]*)(.*)$'
	if [[ $1 =~ $re ]]; then
		printf '%s****@%s%s' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
	else
		printf '%s' "$1"
	fi
}

# soak_action_output NAME VALUE: append to $GITHUB_OUTPUT in the multiline form
# with a delimiter that does not occur in VALUE.
soak_action_output()
{
	local name=$1 value=$2 delim
	[ -n "${GITHUB_OUTPUT:-}" ] || return 0
	delim="ghadelimiter_$RANDOM$RANDOM$RANDOM"
	while [[ $value == *"$delim"* ]]; do
		delim="ghadelimiter_$RANDOM$RANDOM$RANDOM"
	done
	printf '%s<<%s\n%s\n%s\n' "$name" "$delim" "$value" "$delim" >>"$GITHUB_OUTPUT"
}

# soak_action_abspath DIR: DIR made absolute (it must exist); on Windows runners
# (Git Bash) in the C:/x/y form that programs outside bash understand too.
soak_action_abspath()
{
	local p
	p=$(cd -- "$1" && pwd) || return 1
	if command -v cygpath >/dev/null 2>&1; then
		p=$(cygpath -m "$p")
	fi
	printf '%s' "$p"
}
