// SPDX-License-Identifier: MIT
// Starts a third-party SOCKS4 server from node_modules on 127.0.0.1:PORT, as its
// own documentation or demo does, for tests/integration/thirdparty.py:
//
//   node serve.js socks4 PORT   socks4@0.1.1: its README's example, bound to loopback
//   node serve.js socks5 PORT   socks5@1.0.1: its demo proxy.js, with PORT in place of
//                               the 8888 it hard-codes (nothing else changed)
//
// socks5server and socks-server-lib take a port on their own command line or
// environment, so thirdparty.py runs their scripts directly.
'use strict';
const fs = require('fs');
const Module = require('module');
const path = require('path');

const [name, portArg] = process.argv.slice(2);
const port = Number(portArg);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error('usage: node serve.js socks4|socks5 PORT');
  process.exit(2);
}

if (name === 'socks4') {
  require('socks4').createServer().listen(port, '127.0.0.1');
} else if (name === 'socks5') {
  const file = require.resolve('socks5/proxy.js');
  const source = fs.readFileSync(file, 'utf8');
  const fixed = "PORT='8888'";
  if (source.split(fixed).length !== 2) {
    console.error(`serve.js: ${file} no longer has ${fixed} exactly once`);
    process.exit(1);
  }
  const m = new Module(file, module);
  m.filename = file;
  m.paths = Module._nodeModulePaths(path.dirname(file));
  // argv[2] of proxy.js is its optional local address: none here.
  process.argv.splice(2);
  m._compile(source.replace(fixed, `PORT='${port}'`), file);
} else {
  console.error(`serve.js: unknown server ${name}`);
  process.exit(2);
}
