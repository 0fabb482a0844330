// Regenerates the TypeScript types of the wire contract into src/api/generated (npm run proto:gen).
// Needs only npm packages (@grpc/proto-loader's generator). The output is excluded from lint and format.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const out = 'src/api/generated';
rmSync(out, { recursive: true, force: true });
execFileSync(
  'npx',
  [
    'proto-loader-gen-types',
    '--keepCase',
    '--longs=Number',
    '--enums=String',
    '--defaults',
    '--oneofs',
    '--includeComments',
    '--grpcLib=@grpc/grpc-js',
    '-I',
    'proto',
    '-O',
    out,
    'kvstore/v1/kvstore.proto',
  ],
  { stdio: 'inherit' },
);

// The generator writes extensionless relative imports; NodeNext module resolution wants ".js".
function fixImports(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) fixImports(path);
    else if (path.endsWith('.ts')) {
      const text = readFileSync(path, 'utf8').replace(/(from ['"])(\.{1,2}\/[^'"]+?)(['"])/g, '$1$2.js$3');
      writeFileSync(path, text);
    }
  }
}
fixImports(out);
