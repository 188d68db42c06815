/**
 * The Pulumi CLI's merge of a project's `config:` declarations into a stack's config, applied by
 * the offline plan before the program runs, so that a stack the CLI would refuse is refused here.
 *
 * Mirrors `mergeConfig` in pulumi/pulumi `pkg/workspace/config.go`: a key declared in the project's
 * own namespace with neither `default` nor `value` is required, and a stack without it stops with
 * "Stack '<name>' is missing configuration value(s) ..."; an unset key with a `default` (or `value`)
 * reaches the program as if the stack had set it (`default` wins over `value`).
 */

/** One entry of Pulumi.yaml's `config:` block. */
export interface ProjectConfigDeclaration {
    type?: string;
    default?: unknown;
    value?: unknown;
    description?: string;
}

export class MissingConfigError extends Error {
    constructor(
        readonly stack: string,
        readonly missingKeys: string[],
    ) {
        super(`Stack '${stack}' is missing configuration ${missingKeys.length > 1 ? "values" : "value"} ${formatMissingKeys(missingKeys)}`);
        this.name = "MissingConfigError";
    }
}

/** The CLI's list formatting (`formatMissingKeys`): 'a', 'b' and 'c'. */
function formatMissingKeys(keys: string[]): string {
    if (keys.length === 1) return `'${keys[0]}'`;
    const sorted = [...keys].sort();
    return sorted.map((key, index) => (index === sorted.length - 1 ? `and '${key}'` : index === sorted.length - 2 ? `'${key}' ` : `'${key}', `)).join("");
}

/** A declared key in full form: a key without a namespace belongs to the project (`parseConfigKey`). */
function fullConfigKey(projectName: string, key: string): string {
    return key.includes(":") ? key : `${projectName}:${key}`;
}

/** Primitives as text (`%v`), structured values as JSON (`createConfigValue`). */
function configValueText(value: unknown): string {
    return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : JSON.stringify(value);
}

/**
 * The stack's config as the program receives it: stack values, plus the project's defaults and
 * values for keys the stack leaves unset. Throws MissingConfigError when a required key is unset.
 */
export function applyProjectConfig(
    projectName: string,
    declarations: Record<string, ProjectConfigDeclaration> | undefined,
    stack: string,
    stackValues: Record<string, string>,
): Record<string, string> {
    const merged = { ...stackValues };
    const missing: string[] = [];
    for (const declaredKey of Object.keys(declarations ?? {}).sort()) {
        const declaration = declarations![declaredKey] ?? {};
        const key = fullConfigKey(projectName, declaredKey);
        if (key in stackValues) continue;
        const hasDefault = declaration.default !== undefined && declaration.default !== null;
        const hasValue = declaration.value !== undefined && declaration.value !== null;
        if (!hasDefault && !hasValue) {
            if (key.split(":")[0] === projectName) missing.push(declaredKey);
            continue;
        }
        merged[key] = configValueText(hasDefault ? declaration.default : declaration.value);
    }
    if (missing.length > 0) throw new MissingConfigError(stack, missing);
    return merged;
}
