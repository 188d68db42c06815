/**
 * Go-style durations ("45m", "1h30m", "720h"), the format Istio and cert-manager use.
 * Kept as milliseconds internally; formatted back in the largest exact unit so that
 * values written into Helm values and CRDs stay readable and stable.
 */

const UNIT_MS: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    ms: 1,
    s: 1000,
    m: 60 * 1000,
    h: 60 * 60 * 1000,
};

const DURATION_RE = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/;

/** The longest duration Go represents (2^63 - 1 ns, about 2562047h), in milliseconds. */
export const MAX_GO_DURATION_MS = 9223372036854.775;

/** Parses a Go duration string into milliseconds. Returns undefined when the text is not one, or is longer than Go can hold. */
export function parseDuration(text: string): number | undefined {
    if (typeof text !== "string" || text.length > 100) return undefined;
    // Go's time.ParseDuration takes no surrounding spaces.
    let rest = text;
    if (rest === "" || rest !== rest.trim()) return undefined;
    if (rest === "0") return 0;
    let total = 0;
    while (rest.length > 0) {
        const match = DURATION_RE.exec(rest);
        if (!match) return undefined;
        total += parseFloat(match[1]) * UNIT_MS[match[2]];
        rest = rest.slice(match[0].length);
    }
    if (!Number.isFinite(total) || total > MAX_GO_DURATION_MS) return undefined;
    // Whole milliseconds, the unit of the model and of the recorded rotation timing; a fraction
    // rounds up (after removing floating-point noise, so that 1.1h stays 3960000).
    return total > 0 && total < 1 ? 1 : Math.ceil(Math.round(total * 1e6) / 1e6);
}

export const HOUR_MS = 3600 * 1000;

/** Formats milliseconds as a Go duration in whole hours, minutes or seconds (e.g. "720h", "45m"). */
export function formatDuration(ms: number): string {
    if (ms % HOUR_MS === 0) return `${ms / HOUR_MS}h`;
    if (ms % 60000 === 0) return `${ms / 60000}m`;
    if (ms % 1000 === 0) return `${ms / 1000}s`;
    return `${ms}ms`;
}

/** Whole hours, rounded up: the unit the tls provider takes for validity periods. */
export function toHoursCeil(ms: number): number {
    return Math.ceil(ms / HOUR_MS);
}

/**
 * A duration as Go's `time.Duration.String()` prints it ("8760h0m0s", "45m0s", "30s"), for values
 * compared with what a Go client sends (cert-manager's Vault client sends a Certificate's duration
 * this way as `ttl`). Whole seconds only.
 */
export function goDurationString(ms: number): string {
    if (!Number.isInteger(ms / 1000) || ms < 0) throw new Error(`goDurationString takes whole non-negative seconds, got ${ms}ms`);
    const total = ms / 1000;
    if (total === 0) return "0s";
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const seconds = total % 60;
    if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
    if (minutes > 0) return `${minutes}m${seconds}s`;
    return `${seconds}s`;
}
