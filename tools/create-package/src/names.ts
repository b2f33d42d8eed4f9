/** The names a package name turns into inside the generated code. */

/** Names derived from a package name such as `my-model`. */
export interface PackageNames {
  /** The folder and npm name part: `my-model` (package `@moe-zoo/my-model`). */
  name: string;
  /** PascalCase for types and function names: `MyModel`. */
  pascal: string;
  /** camelCase for values: `myModel` (the suite is exported as `myModelSuite`). */
  camel: string;
}

/**
 * `my-model` -> `{ name: 'my-model', pascal: 'MyModel', camel: 'myModel' }`.
 *
 * @example
 * ```ts
 * namesOf('speech-moe').pascal; // 'SpeechMoe'
 * ```
 */
export function namesOf(name: string): PackageNames {
  const parts = name.split('-').filter((p) => p !== '');
  const pascal = parts.map((p) => p[0].toUpperCase() + p.slice(1)).join('');
  return { name, pascal, camel: pascal[0].toLowerCase() + pascal.slice(1) };
}

/**
 * Replaces `__name__`, `__Pascal__` and `__camel__` in a template, and `__<key>__` for each entry
 * of `values` (the workspace values of the package manifest, see `workspaceValues`).
 */
export function fillTemplate(
  template: string,
  names: PackageNames,
  values: Readonly<Record<string, string>> = {},
): string {
  let text = template
    .replace(/__name__/g, names.name)
    .replace(/__Pascal__/g, names.pascal)
    .replace(/__camel__/g, names.camel);
  for (const [key, value] of Object.entries(values)) text = text.split(`__${key}__`).join(value);
  return text;
}
