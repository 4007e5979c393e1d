# Sourced first by the tests of the action on Windows (tNNNN-action*.sh), before
# lib.sh, which reads a test that exits before finish as a failure: skip (exit 77)
# without a Windows build, node or tools/node_modules.
if [[ ! -f ${SOAK_BIN:-}/soak-run.exe ]]; then
	echo "skip: no Windows build in '${SOAK_BIN:-}' (soak-run.exe is missing)"
	exit 77
fi
if ! command -v node >/dev/null 2>&1 || [[ ! -f ${SOAK_SRC:-}/tools/node_modules/yaml/package.json ]]; then
	echo "skip: node or tools/node_modules is missing (scripts/install-deps.sh)"
	exit 77
fi
