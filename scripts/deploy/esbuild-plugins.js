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

module.exports = [sdkSchemaKeys];
