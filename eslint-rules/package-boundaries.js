// @ts-check
/**
 * `moe-zoo/package-boundaries`: the direction of dependencies between workspaces
 * (docs/architecture.md section 2), checked on every import, export-from, `import x = require()`,
 * `require()` and `import()` with a literal path.
 *
 * 1. Arrows point down only. Layers from the bottom:
 *      core, data  <-  vision, audio, restoration (and any other packages/*)  <-  multimodal  <-  apps/*
 *    A workspace may import workspaces of lower layers only (not its own layer, not above), with
 *    these exceptions: core's tests may use `@moe-zoo/data` (which does not depend on core);
 *    tools/* may import packages/* and other tools, never apps; apps may import tools; tests of the
 *    packages above core and data may import tools (data generators), and tests of core and data
 *    tools that depend on no workspace (test helpers, so no cycle); their src/ may not.
 * 2. No import reaches into another workspace's files: not `@moe-zoo/core/src/...` (or `/dist/...`),
 *    and no relative path that leaves the importing workspace (`../../core/src/x`). Packages talk
 *    through their package name and its curated index.ts.
 */
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const GROUPS = ['packages', 'apps', 'tools'];
const SCOPE = '@moe-zoo/';

/** Layer of a workspace folder (`packages/core`); tools are outside the layering. */
function layer(ws) {
  const [group, name] = ws.split('/');
  if (group === 'apps') return 3;
  if (group !== 'packages') return undefined;
  if (name === 'core' || name === 'data') return 0;
  if (name === 'multimodal') return 2;
  return 1;
}

/** `@moe-zoo/<name>` -> workspace folder, from the package.json files of packages/, apps/, tools/. */
let byName;
function workspaceOfName(name) {
  if (!byName) {
    byName = new Map();
    for (const group of GROUPS) {
      /** @type {string[]} */
      let dirs;
      try {
        dirs = fs.readdirSync(path.join(ROOT, group));
      } catch {
        continue;
      }
      for (const dir of dirs) {
        try {
          const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, group, dir, 'package.json'), 'utf8'));
          if (typeof pkg.name === 'string') byName.set(pkg.name, `${group}/${dir}`);
        } catch {
          // not a workspace
        }
      }
    }
  }
  // A package that does not exist yet would live in packages/<name>.
  return byName.get(name) ?? `packages/${name.slice(SCOPE.length)}`;
}

/** Workspace folder (`packages/core`) and the path inside it of an absolute path, if it is in one. */
function locate(file) {
  const parts = path.relative(ROOT, file).split(path.sep);
  if (parts.length < 3 || !GROUPS.includes(parts[0])) return undefined;
  return { ws: `${parts[0]}/${parts[1]}`, inner: parts.slice(2) };
}

/** A tool whose package.json names no workspace package among its dependencies of any kind. */
function isLeafTool(ws) {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, ws, 'package.json'), 'utf8'));
    const deps = ['dependencies', 'devDependencies', 'peerDependencies'].flatMap((k) =>
      Object.keys(pkg[k] ?? {}),
    );
    return !deps.some((d) => d.startsWith(SCOPE));
  } catch {
    return false;
  }
}

function mayImport(from, inner, to) {
  if (from === to) return true;
  const isTest = inner[0] === 'test';
  const [fromGroup] = from.split('/');
  const [toGroup] = to.split('/');
  if (fromGroup === 'tools') return toGroup !== 'apps';
  if (toGroup === 'tools') return fromGroup === 'apps' || (isTest && (layer(from) > 0 || isLeafTool(to)));
  if (from === 'packages/core' && isTest && to === 'packages/data') return true;
  return layer(to) < layer(from);
}

/** @type {import('eslint').Rule.RuleModule} */
module.exports = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports between workspaces point down the layers and go through package names.' },
    schema: [],
    messages: {
      upward:
        '{{from}} may not import {{target}}: dependencies point down only (core, data <- vision, audio, ' +
        'restoration <- multimodal <- apps; tools may use packages; tools only in tests of packages).',
      deep: "Import '{{name}}', not its {{dir}}/ ('{{spec}}'): packages talk through their index.ts.",
      relative:
        "'{{spec}}' leaves {{from}} for {{to}}: import '{{name}}' instead (packages talk through their index.ts).",
    },
  },
  create(context) {
    const file = path.resolve(context.cwd, context.filename);
    const self = locate(file);

    /** @param {import('estree').Node} node @param {string} spec */
    function check(node, spec) {
      if (spec.startsWith(SCOPE)) {
        const [scope, pkg, ...rest] = spec.split('/');
        const name = `${scope}/${pkg}`;
        const target = workspaceOfName(name);
        if (self && !mayImport(self.ws, self.inner, target)) {
          context.report({ node, messageId: 'upward', data: { from: self.ws, target: name } });
        }
        if (rest[0] === 'src' || rest[0] === 'dist') {
          context.report({ node, messageId: 'deep', data: { name, dir: rest[0], spec } });
        }
        return;
      }
      if (!spec.startsWith('.')) return;
      const target = locate(path.resolve(path.dirname(file), spec));
      if (!target || target.ws === self?.ws) return;
      let name = target.ws;
      try {
        name = JSON.parse(fs.readFileSync(path.join(ROOT, target.ws, 'package.json'), 'utf8')).name;
      } catch {
        // keep the folder name
      }
      context.report({
        node,
        messageId: 'relative',
        data: { spec, from: self?.ws ?? 'the repository root', to: target.ws, name },
      });
    }

    /** @param {import('estree').Node} node @param {unknown} source */
    function checkLiteral(node, source) {
      const lit = /** @type {{ type?: string, value?: unknown }} */ (source);
      if (lit && lit.type === 'Literal' && typeof lit.value === 'string') check(node, lit.value);
    }

    return {
      ImportDeclaration: (node) => checkLiteral(node, node.source),
      ExportNamedDeclaration: (node) => checkLiteral(node, node.source),
      ExportAllDeclaration: (node) => checkLiteral(node, node.source),
      ImportExpression: (node) => checkLiteral(node, node.source),
      CallExpression(node) {
        if (
          node.callee.type === 'Identifier' &&
          node.callee.name === 'require' &&
          node.arguments.length === 1
        ) {
          checkLiteral(node, node.arguments[0]);
        }
      },
      /** `import x = require('...')` (TypeScript). */
      'TSImportEqualsDeclaration > TSExternalModuleReference'(/** @type {any} */ node) {
        checkLiteral(node, node.expression);
      },
    };
  },
};
