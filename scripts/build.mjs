// Builds dist/ with tsdown's API rather than its command line: the command line warns on every
// Node 20 build that tsdown will drop Node 20 in a later minor release, which the exact version
// pinned in package.json never reaches, and `engines` allows Node 20.
import { build } from 'tsdown';

await build({});
