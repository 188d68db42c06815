/** Reading raw config values into typed ones, collecting each problem with its key, value and fix. */
import { formatDuration, parseDuration } from "../duration";
import { SecretString } from "../secret";
import { CONFIG_NAMESPACE } from "./keys";

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

/** A value as messages may show it: no PEM or key material, and cut when long. */
export function shownValue(value: unknown): string {
    if (value === undefined) return "(unset)";
    const text = typeof value === "string" ? value : JSON.stringify(value);
    if (/-----BEGIN [A-Z0-9 ]+-----|PRIVATE KEY/.test(text)) return `(PEM, ${text.length} characters, not shown)`;
    const quoted = JSON.stringify(text.length > SHOWN_MAX ? `${text.slice(0, SHOWN_MAX)}` : text);
    return text.length > SHOWN_MAX ? `${quoted.slice(0, -1)}..." (${text.length} characters)` : typeof value === "string" ? quoted : text;
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

    /** The raw text of a key, quoted for messages: "(secret)" for secrets, never key material or a PEM, and long values cut. */
    shown(key: string): string {
        if (this.isSecret(key)) return "(secret)";
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
    duration(key: string, fallback: string, opts: { wholeHours?: boolean; max?: { ms: number; why: string } } = {}): number {
        const text = this.raw.values[key] ?? fallback;
        const ms = parseDuration(text);
        if (ms === undefined || ms <= 0) {
            this.problem(key, "is not a positive Go duration (at most 2562047h, the longest Go holds)", `use a value such as "45m", "24h" or "720h" for ${fullKey(key)}.`);
            return parseDuration(fallback)!;
        }
        if (opts.max && ms > opts.max.ms) {
            this.problem(key, `is longer than ${formatDuration(opts.max.ms)}: ${opts.max.why}`, `set ${fullKey(key)} to ${formatDuration(opts.max.ms)} or less, e.g. "${fallback}".`);
            return parseDuration(fallback)!;
        }
        if (opts.wholeHours && ms % 3600000 !== 0) {
            this.problem(key, "must be a whole number of hours (certificate lifetimes are set in hours)", `round ${fullKey(key)} to whole hours, e.g. "${Math.ceil(ms / 3600000)}h".`);
        }
        return ms;
    }

    number(key: string, fallback: number): number {
        const text = this.raw.values[key];
        if (text === undefined) return fallback;
        const value = Number(text);
        if (text.trim() === "" || !Number.isFinite(value)) {
            this.problem(key, "is not a number", `set ${fullKey(key)} to a decimal number such as 0.5.`);
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
        try {
            return JSON.parse(text);
        } catch {
            this.problem(key, "is not a structured value", `write ${fullKey(key)} as a YAML list or map in the stack file, or as JSON with pulumi config set --path.`);
            return undefined;
        }
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
