// esbuild plugins of the Lambda bundles (serverless.yml `custom.esbuild.plugins`; bench/cold-start.ts uses them too).
const { readFile } = require('node:fs/promises');

/**
 * Lets esbuild drop the operation schemas a function never uses from the AWS SDK's clients.
 *
 * Each client's `dist-es/schemas/schemas_0.js` declares every shape of the service as a top-level array, and writes
 * trait keys as computed keys of module constants (`{ [_xN]: _m }` where `const _xN = "xmlName"`). esbuild treats a
 * computed key as a possible side effect, so it keeps every shape that has one, and everything those reference:
 * the security-group rule's bundle carried 550 KB of EC2 shapes (half of its startup) for the two operations it
 * calls. Written as the string it is (`{ "xmlName": _m }`), a key is plainly side-effect free, and the unused shapes
 * go. The rewrite only replaces a constant by its value; packaging tests run every bundle against the emulator.
 */
const sdkSchemaKeys = {
  name: 'sdk-schema-keys',
  setup(build) {
    build.onLoad(
      { filter: /[\\/]@aws-sdk[\\/].+[\\/]dist-es[\\/](.+[\\/])?schemas[\\/]schemas_\d+\.js$/ },
      async (args) => {
        const source = await readFile(args.path, 'utf8');
        const constants = new Map();
        for (const m of source.matchAll(/^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm))
          constants.set(m[1], m[2]);
        const contents = source.replace(/\[(_\w+)\]:/g, (key, name) =>
          constants.has(name) ? `${constants.get(name)}:` : key,
        );
        return { contents, loader: 'js' };
      },
    );
  },
};

/**
 * Makes the lazily loaded modules of rebaseline's own sources (`() => import('./ec2.live.js')`: a reader part's
 * live half, the Config calls of the rule protocol) static imports in a Lambda bundle.
 *
 * The command line is an ES module bundle split into chunks, where such an import() is a chunk loaded on first use.
 * A Lambda is one CommonJS file: esbuild cannot split it, so an import() only defers evaluating code the file
 * carries anyway, and it makes esbuild wrap the module and everything it imports in lazy initialisers, which keeps
 * every export of the SDK clients they import (the security-group rule's bundle went from 1.1 MB to 2.9 MB, the EC2
 * client whole). A static import keeps esbuild's tree shaking; the module is evaluated when the bundle loads, as
 * before, and `import()`'s promise resolves to the same namespace.
 */
const ownLazyImports = {
  name: 'own-lazy-imports',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (/[\\/]node_modules[\\/]/.test(args.path)) return undefined;
      const source = await readFile(args.path, 'utf8');
      // Calls of a relative `.js` specifier only (what TypeScript needs for a real import() here; a doc comment's
      // `import('./x.live')` is not one), and not `typeof import('./x.js')`, a type.
      const lazy = /(?<!typeof\s+)\bimport\((['"])(\.{1,2}\/[^'"]+\.js)\1\)/g;
      if (!lazy.test(source)) return undefined;
      const imports = [];
      const contents = source.replace(lazy, (_call, _quote, specifier) => {
        const name = `__rbLazy${imports.length}`;
        imports.push(`import * as ${name} from ${JSON.stringify(specifier)};`);
        return `Promise.resolve(${name})`;
      });
      return { contents: `${imports.join('\n')}\n${contents}`, loader: 'ts' };
    });
  },
};

module.exports = [sdkSchemaKeys, ownLazyImports];
