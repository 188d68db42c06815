/**
 * The `IstioCa` component's arguments as the config model reads them: each field is the config key
 * of the same name, so the component gets exactly the program's checks, and its errors name fields.
 */
import { CONFIG_NAMESPACE, PROGRAM_ONLY_KEYS } from "./config/keys";
import { ConfigError, ConfigProblem, RawConfig, shownValue } from "./config/reader";

/** Fields that hold key material: read as secrets, never shown. */
const SECRET_FIELDS = ["existingRootKey"];

/** The raw config of resolved component arguments; fields only the program reads are problems. */
export function rawConfigFromArgs(args: Readonly<Record<string, unknown>>): { raw: RawConfig; problems: ConfigProblem[] } {
    const values: Record<string, string> = {};
    const problems: ConfigProblem[] = [];
    for (const [key, value] of Object.entries(args)) {
        if (value === undefined || value === null) continue;
        if (Object.prototype.hasOwnProperty.call(PROGRAM_ONLY_KEYS, key)) {
            problems.push({ key: `args.${key}`, value: "(not shown)", message: `is not an argument of IstioCa: ${PROGRAM_ONLY_KEYS[key]}`, fix: `remove args.${key}.` });
            continue;
        }
        // The config model reads text, as Pulumi config holds it: lists and objects as JSON.
        values[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    const secretKeys = new Set(SECRET_FIELDS.filter((key) => values[key] !== undefined));
    return { raw: { values, secretKeys }, problems };
}

/** A config-model message as the component's caller reads it: fields (`args.x`), not config keys. */
export function asArgsText(text: string): string {
    const key = `${CONFIG_NAMESPACE}:([A-Za-z0-9]+)`;
    return text
        .replace(new RegExp(`pulumi config rm ${key}`, "g"), "remove args.$1")
        .replace(new RegExp(`pulumi config set (?:--secret |--path )?'?${key}[^\\s']*'?`, "g"), "set args.$1")
        .replace(new RegExp(key, "g"), "args.$1");
}

/** The problems of refused arguments, as one error naming the component. */
export class IstioCaArgsError extends Error {
    constructor(
        readonly componentName: string,
        readonly problems: ConfigProblem[],
    ) {
        super(
            `IstioCa "${componentName}": invalid arguments (${problems.length} problem${problems.length === 1 ? "" : "s"}); no resource was created:\n` +
                problems.map((p) => `  - ${asArgsText(p.key)} = ${p.value}: ${asArgsText(p.message)}\n    Fix: ${asArgsText(p.fix)}`).join("\n"),
        );
        this.name = "IstioCaArgsError";
    }

    static from(componentName: string, error: ConfigError): IstioCaArgsError {
        return new IstioCaArgsError(componentName, error.problems);
    }
}

/** An argument that is not known at preview, as the error names it. */
export function unknownArgsError(componentName: string, fields: string[]): IstioCaArgsError {
    return new IstioCaArgsError(
        componentName,
        fields.map((field) => ({
            key: `args.${field}`,
            value: shownValue(undefined).replace("unset", "unknown at preview"),
            message: "comes from an output that is not known until the update runs; the component decides from its arguments which resources to create",
            fix: `pass a value known at preview (a literal, or stack config) in args.${field}.`,
        })),
    );
}
