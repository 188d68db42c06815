/** Reading raw config values into typed ones, collecting each problem with its key, value and fix. */
import { formatDuration, parseDuration } from "../duration";
import { SecretString } from "../secret";
import { CONFIG_KEYS, CONFIG_NAMESPACE } from "./keys";

/** Raw config as Pulumi hands it over: values are strings (structured values JSON-encoded). */
export interface RawConfig {
    /** Keys without the `istio-ca:` prefix. Keys of other namespaces are not passed in. */
    values: Record<string, string>;
    /** Keys (without prefix) whose value is a Pulumi secret. */
    secretKeys: ReadonlySet<string>;
    /** True in a real `pulumi preview`/`up` (an engine is attached), false in the offline plan and tests. */
    deploying?: boolean;
    /** `VAULT_TOKEN` from the program's environment, if set. */
    environmentVaultToken?: string;
    /** Checks that a local file exists (a kubeconfig path); only consulted while deploying. */
    fileExists?: (path: string) => boolean;
    /** Full keys of other namespaces (`kubernetes:context`), checked only for a misspelt `istio-ca`. */
    otherNamespaceKeys?: string[];
}

export interface ConfigProblem {
    /** Full key, e.g. `istio-ca:workloadCertTtl`. */
    key: string;
    /** The offending value as text (secrets are never echoed). */
    value: string;
    message: string;
    fix: string;
}

export class ConfigError extends Error {
    constructor(readonly problems: ConfigProblem[]) {
        super(formatProblems(problems));
        this.name = "ConfigError";
    }
}

export function formatProblems(problems: ConfigProblem[]): string {
    const lines = problems.map((p) => `  - ${p.key} = ${p.value}: ${p.message}\n    Fix: ${p.fix}`);
    return `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was changed:\n${lines.join("\n")}`;
}

/** Longest value text a message quotes. */
export const SHOWN_MAX = 120;

/** Deepest nesting taken in a structured value (its entries are flat objects: three levels at most), and shown in a message. */
export const MAX_JSON_DEPTH = 10;

/**
 * JSON text of a value, stopped soon after `max` characters, with anything nested deeper than
 * MAX_JSON_DEPTH written as "…": JSON.stringify would overflow the stack on a deep value (and walk
 * the whole of a huge one) only for a message to show its start. `complete` is false when cut.
 */
export function boundedJson(value: unknown, max: number): { text: string; complete: boolean } {
    let text = "";
    let complete = true;
    const visit = (node: unknown, depth: number): void => {
        if (text.length > max) {
            complete = false;
        } else if (typeof node === "string") {
            if (node.length > max) complete = false;
            text += JSON.stringify(node.length > max ? node.slice(0, max) : node);
        } else if (node === null || typeof node !== "object") {
            text += JSON.stringify(node) ?? "null";
        } else if (depth >= MAX_JSON_DEPTH) {
            text += "…";
            complete = false;
        } else {
            const isArray = Array.isArray(node);
            const keys = isArray ? undefined : Object.keys(node);
            const count = isArray ? (node as unknown[]).length : keys!.length;
            text += isArray ? "[" : "{";
            for (let i = 0; i < count && complete; i++) {
                if (i > 0) text += ",";
                if (keys) text += `${JSON.stringify(keys[i])}:`;
                visit(isArray ? (node as unknown[])[i] : (node as Record<string, unknown>)[keys![i]], depth + 1);
            }
            text += isArray ? "]" : "}";
        }
    };
    visit(value, 0);
    return { text, complete };
}

/** Why a text must not be quoted at all: it holds PEM or key material, or a long run of base64 (a key's body without its PEM lines). */
function unshowableKind(text: string): string | undefined {
    if (/-----BEGIN [A-Z0-9 ]+-----|PRIVATE KEY/.test(text)) return "PEM";
    const runs = text.match(/[A-Za-z0-9+/]{40,}/g) ?? [];
    if (runs.some((run) => /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run))) return "base64 data";
    return undefined;
}

/** A value as messages may show it: no PEM, key material or base64, cut when long or deep. */
export function shownValue(value: unknown): string {
    if (value === undefined) return "(unset)";
    // A little past the cut, so that a PEM marker across it is still seen.
    const { text, complete } = typeof value === "string" ? { text: value, complete: true } : boundedJson(value, SHOWN_MAX + 64);
    const length = complete ? `${text.length} characters` : `over ${SHOWN_MAX} characters`;
    const kind = unshowableKind(text);
    if (kind) return `(${kind}, ${length}, not shown)`;
    if (text.length <= SHOWN_MAX && complete) return escapeInvisible(typeof value === "string" ? JSON.stringify(text) : text);
    return `${escapeInvisible(JSON.stringify(text.slice(0, SHOWN_MAX)).slice(0, -1))}..." (${complete ? length : "cut"})`;
}

/** Writes characters a terminal would not show (format, separator, control, private-use) as \u escapes, so a message shows what is wrong with a value. */
function escapeInvisible(text: string): string {
    return text.replace(/[\p{C}\p{Z}]/gu, (char) => (char === " " ? char : `\\u{${char.codePointAt(0)!.toString(16).toUpperCase()}}`));
}

/** Values a message quotes in a list: the first few, each as shownValue shows it (no PEM, cut when long). */
export function shownList(values: unknown[], max = 5): string {
    const rest = values.length - max;
    return values.slice(0, max).map(shownValue).join(", ") + (rest > 0 ? ` and ${rest} more` : "");
}

/**
 * Keys never quoted, secret or not: they hold credentials (a token, a key, a kubeconfig's users)
 * whenever they are set as meant to be, so a plain value is a credential in the wrong place.
 */
export const UNSHOWN_KEYS: ReadonlySet<string> = new Set([...CONFIG_KEYS.filter((spec) => spec.secret).map((spec) => spec.key), "kubeconfig"]);

const KNOWN_KEY_NAMES: ReadonlySet<string> = new Set(CONFIG_KEYS.map((spec) => spec.key));

/** Whether a key's value may be quoted: a known key not meant for credentials (a misspelt key may be a misspelt vaultToken). */
export function mayShowValueOf(key: string): boolean {
    return KNOWN_KEY_NAMES.has(key) && !UNSHOWN_KEYS.has(key);
}

/** Whether a parsed JSON value nests deeper than `max` lists or maps; walked with a stack of its own, so any depth is safe. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
    const pending: { node: unknown; depth: number }[] = [{ node: value, depth: 0 }];
    while (pending.length > 0) {
        const { node, depth } = pending.pop()!;
        if (node === null || typeof node !== "object") continue;
        if (depth >= max) return true;
        for (const child of Object.values(node)) pending.push({ node: child, depth: depth + 1 });
    }
    return false;
}

export function fullKey(key: string): string {
    return `${CONFIG_NAMESPACE}:${key}`;
}

/** Collects problems while reading keys, so that every problem is reported at once. */
export class ConfigReader {
    readonly problems: ConfigProblem[] = [];
    constructor(private readonly raw: RawConfig) {}

    has(key: string): boolean {
        return this.raw.values[key] !== undefined;
    }

    isSecret(key: string): boolean {
        return this.raw.secretKeys.has(key);
    }

    /** The raw text of a key, quoted for messages: "(secret)" for secrets, nothing of credential or unknown keys, never key material or a PEM, and long values cut. */
    shown(key: string): string {
        if (this.isSecret(key)) return "(secret)";
        if (!mayShowValueOf(key) && this.has(key)) return "(value not shown)";
        return shownValue(this.raw.values[key]);
    }

    problem(key: string, message: string, fix: string): void {
        this.problems.push({ key: fullKey(key), value: this.shown(key), message, fix });
    }

    string(key: string): string | undefined {
        return this.raw.values[key];
    }

    stringOr(key: string, fallback: string): string {
        return this.raw.values[key] ?? fallback;
    }

    oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
        const value = this.raw.values[key];
        if (value === undefined) return fallback;
        if ((allowed as readonly string[]).includes(value)) return value as T;
        this.problem(key, `must be one of ${allowed.join(", ")}`, `set ${fullKey(key)} to one of: ${allowed.join(", ")}.`);
        return fallback;
    }

    /** A Go duration in milliseconds, at most `max` (default: what Go can hold). */
    duration(key: string, fallback: string, opts: { wholeHours?: boolean; min?: { ms: number; why: string }; max?: { ms: number; why: string } } = {}): number {
        const text = this.raw.values[key] ?? fallback;
        const ms = parseDuration(text);
        if (ms === undefined || ms <= 0) {
            this.problem(key, "is not a positive Go duration (at most 2562047h, the longest Go holds)", `use a value such as "45m", "24h" or "720h" for ${fullKey(key)}.`);
            return parseDuration(fallback)!;
        }
        if (opts.max && ms > opts.max.ms) {
            this.problem(
                key,
                `is longer than ${formatDuration(opts.max.ms)}: ${opts.max.why}`,
                `set ${fullKey(key)} to ${formatDuration(opts.max.ms)} or less, e.g. "${fallback}".`,
            );
            return parseDuration(fallback)!;
        }
        if (opts.min && ms < opts.min.ms) {
            this.problem(
                key,
                `is shorter than ${formatDuration(opts.min.ms)}: ${opts.min.why}`,
                `set ${fullKey(key)} to ${formatDuration(opts.min.ms)} or more, e.g. "${fallback}".`,
            );
            return parseDuration(fallback)!;
        }
        if (opts.wholeHours && ms % 3600000 !== 0) {
            this.problem(
                key,
                "must be a whole number of hours (certificate lifetimes are set in hours)",
                `round ${fullKey(key)} to whole hours, e.g. "${Math.ceil(ms / 3600000)}h".`,
            );
        }
        return ms;
    }

    number(key: string, fallback: number): number {
        const text = this.raw.values[key];
        if (text === undefined) return fallback;
        const value = Number(text);
        // Plain decimals only: Number() would also take " 0.5", "0x1p0"-like hex and "5e-324".
        if (!/^-?[0-9]+(\.[0-9]+)?$/.test(text) || !Number.isFinite(value)) {
            this.problem(key, "is not a plain decimal number", `set ${fullKey(key)} to a decimal number such as 0.5.`);
            return fallback;
        }
        return value;
    }

    /** A whole number in [min, max]. */
    integer(key: string, fallback: number, min: number, max: number): number {
        const text = this.raw.values[key];
        if (text === undefined) return fallback;
        if (!/^[0-9]{1,9}$/.test(text.trim()) || Number(text) < min || Number(text) > max) {
            this.problem(key, `is not a whole number from ${min} to ${max}`, `set ${fullKey(key)} to a whole number such as ${fallback}.`);
            return fallback;
        }
        return Number(text);
    }

    boolean(key: string, fallback: boolean): boolean {
        const text = this.raw.values[key];
        if (text === undefined) return fallback;
        if (text === "true" || text === "false") return text === "true";
        this.problem(key, "is not a boolean", `set ${fullKey(key)} to true or false.`);
        return fallback;
    }

    /** A structured (JSON-encoded) value, or undefined when unset or unparsable (a problem then). */
    json(key: string): unknown {
        const text = this.raw.values[key];
        if (text === undefined) return undefined;
        let value: unknown;
        try {
            value = JSON.parse(text);
        } catch {
            this.problem(key, "is not a structured value", `write ${fullKey(key)} as a YAML list or map in the stack file, or as JSON with pulumi config set --path.`);
            return undefined;
        }
        if (nestsDeeperThan(value, MAX_JSON_DEPTH)) {
            this.problem(
                key,
                `nests lists or maps more than ${MAX_JSON_DEPTH} levels deep; its entries are flat objects`,
                `write ${fullKey(key)} as the configuration reference (docs/configuration.md) shows (a list of objects, or a map of strings).`,
            );
            return undefined;
        }
        return value;
    }

    /** A problem in one part of a structured value, e.g. `pinnedHosts[2].host`. */
    problemAt(key: string, path: string, value: unknown, message: string, fix: string): void {
        this.problems.push({ key: `${fullKey(key)}${path}`, value: shownValue(value), message, fix });
    }

    /** A secret string; a plain (unencrypted) value is a problem. */
    secret(key: string, what = { holds: "holds private key material", value: '"$(cat key.pem)"' }): SecretString | undefined {
        const value = this.raw.values[key];
        if (value === undefined) return undefined;
        if (!this.isSecret(key)) {
            this.problems.push({
                key: fullKey(key),
                value: "(plain text, not shown)",
                message: `${what.holds} but is not a Pulumi secret, so it would sit unencrypted in the stack file`,
                fix: `run: pulumi config set --secret ${fullKey(key)} -- ${what.value}`,
            });
        }
        return new SecretString(value);
    }
}
