/** Text rendering of drill results: per-phase tables and the side-by-side summary. */
import type { AmbientDrillResult } from "./ambient";
import type { FleetDrillResult } from "./fleet";
import { DrillProgress, DrillResult, ScenarioName, ScenarioResult } from "./run";
import { PhaseFigures } from "./stats";

function ms(value: number | undefined): string {
    return value === undefined ? "-" : value.toFixed(1);
}

function reasons(figures: PhaseFigures): string {
    const entries = Object.entries(figures.failureReasons);
    return entries.length === 0 ? "" : entries.map(([reason, count]) => `${count} ${reason}`).join("; ");
}

function row(cells: string[], widths: number[]): string {
    return cells
        .map((cell, i) => (i === 0 || i === cells.length - 1 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
        .join("  ")
        .trimEnd();
}

const COLUMNS = ["phase", "handshakes", "failed", "skipped", "hs/s", "p50 ms", "p95 ms", "p99 ms", "renewals", "failure reasons"];
const WIDTHS = [12, 10, 7, 7, 7, 7, 7, 7, 8, 0];

function phaseRow(figures: PhaseFigures, name = figures.phase): string {
    return row(
        [
            name,
            String(figures.handshakes),
            String(figures.failures),
            String(figures.skipped),
            figures.handshakesPerSecond.toFixed(1),
            ms(figures.p50Ms),
            ms(figures.p95Ms),
            ms(figures.p99Ms),
            String(figures.renewals),
            reasons(figures),
        ],
        WIDTHS,
    );
}

const TITLES: Record<ScenarioName, string> = {
    phased: "Phased rotation (steady -> trust-both -> sign-new -> retire-old)",
    naive: "Naive swap (new root and intermediate in one step)",
    "ambient-guarded": "Ambient, guarded rotation (each step when the guard allows it in ambient mode)",
    "ambient-sidecar-wait": "Ambient, sign-new after the sidecar wait (propagation delay only)",
    "ambient-ca-crt": "Ambient, roots in meshConfig.caCertificates (CSR responses carry the signing root only)",
    "fleet-phased": "Fleet, phased rotation (each phase in every cluster in the same update)",
    "fleet-naive": "Fleet, naive swap one cluster at a time (new root and intermediate)",
};

/** One scenario's table: a row per phase and the total, then the overlap rule's verdict (and, in ambient mode, ztunnel's renewal rule's). */
export function renderScenario(result: ScenarioResult): string {
    const lines = [TITLES[result.scenario], row(COLUMNS, WIDTHS), ...result.phases.map((figures) => phaseRow(figures)), phaseRow(result.total, "total")];
    if (result.total.skipped > 0) lines.push(`  (${result.total.skipped} requests skipped: too many in flight)`);
    lines.push(
        result.overlapProblems.length === 0
            ? "  overlap rule: kept (every step trusts the old and the new signing root)"
            : `  overlap rule broken: ${result.overlapProblems.join("; ")}`,
    );
    if (result.refreshProblems) {
        lines.push(
            result.refreshProblems.length === 0
                ? "  ztunnel renewal rule: kept (every identity renewed onto a root before it signs)"
                : `  ztunnel renewal rule broken: ${result.refreshProblems.join("; ")}`,
        );
    }
    return lines.join("\n");
}

/** Attempts per second the load generator offered (skipped requests left out). */
function offered(scenario: ScenarioResult): string {
    return scenario.total.durationMs > 0 ? (scenario.total.attempts / (scenario.total.durationMs / 1000)).toFixed(1) : "0";
}

function renderSideBySide(result: Pick<DrillResult, "phased" | "naive" | "settings">): string {
    const { phased, naive } = result;
    const lines: [string, string, string][] = [
        ["", "phased", "naive"],
        ["handshakes", String(phased.total.handshakes), String(naive.total.handshakes)],
        ["failed handshakes", String(phased.total.failures), String(naive.total.failures)],
        ["handshakes/s", phased.total.handshakesPerSecond.toFixed(1), naive.total.handshakesPerSecond.toFixed(1)],
        ["offered / requested", `${offered(phased)} / ${result.settings.rate}`, `${offered(naive)} / ${result.settings.rate}`],
        [
            "p50 / p95 / p99 ms",
            `${ms(phased.total.p50Ms)} / ${ms(phased.total.p95Ms)} / ${ms(phased.total.p99Ms)}`,
            `${ms(naive.total.p50Ms)} / ${ms(naive.total.p95Ms)} / ${ms(naive.total.p99Ms)}`,
        ],
        ["certificate renewals", String(phased.total.renewals), String(naive.total.renewals)],
    ];
    const widths = [20, 22, 22];
    return lines.map((cells) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ")).join("\n");
}

function renderSettings(result: Pick<DrillResult, "settings">): string {
    const s = result.settings;
    return [
        `certificates: ${s.certificateSource}`,
        `trust domain ${s.trustDomain}; ${s.workloads} workloads on 127.0.0.1; ${s.rate} requests/s (one TLS 1.3 mTLS handshake each); ${s.phaseSeconds} s per phase`,
        `workload TTL ${s.workloadCertTtl} compressed to ${s.compressedTtlSeconds} s (x${s.clockCompression}); gracePeriodRatio ${s.gracePeriodRatio}: renewal after ${s.renewAfterSeconds} s; config propagation 0-${Math.round(s.maxPropagationMs)} ms per workload`,
    ].join("\n");
}

function renderAmbientSettings(result: AmbientDrillResult): string {
    const s = result.settings;
    return [
        `certificates: ${s.certificateSource}`,
        `trust domain ${s.trustDomain}; ${s.workloads} ztunnel identities on ${s.nodes} nodes (127.0.0.1); ${s.rate} requests/s between nodes (one TLS 1.3 mTLS handshake each)`,
        `workload TTL ${s.workloadCertTtl} compressed to ${s.compressedTtlSeconds} s (x${s.clockCompression}); ztunnel renews after half: ${s.refreshAfterSeconds} s; istiod serves a step ${s.caPropagationMs} ms after it starts; no pushes`,
        `guard waits: sign-new ${s.signNewWait} (${s.signNewWaitMs} ms), retire-old ${s.retireOldWait} (${s.retireOldWaitMs} ms); with sidecars sign-new waits ${s.sidecarSignNewWait} (${s.sidecarSignNewWaitMs} ms); steady and retire-old ${s.phaseSeconds} s`,
    ].join("\n");
}

function renderAmbientSummary(result: AmbientDrillResult): string {
    const scenarios = [result.guarded, result.sidecarWait, result.caCrt];
    const lines: string[][] = [
        ["", "guarded", "sidecar wait", "ca.crt roots"],
        ["handshakes", ...scenarios.map((s) => String(s.total.handshakes))],
        ["failed handshakes", ...scenarios.map((s) => String(s.total.failures))],
        ["handshakes/s", ...scenarios.map((s) => s.total.handshakesPerSecond.toFixed(1))],
        ["offered / requested", ...scenarios.map((s) => `${offered(s)} / ${result.settings.rate}`)],
        ["p50 / p95 / p99 ms", ...scenarios.map((s) => `${ms(s.total.p50Ms)} / ${ms(s.total.p95Ms)} / ${ms(s.total.p99Ms)}`)],
        ["certificate renewals", ...scenarios.map((s) => String(s.total.renewals))],
    ];
    const widths = [20, 22, 22, 22];
    return lines.map((cells) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ")).join("\n");
}

export function renderAmbientReport(result: AmbientDrillResult): string {
    return [
        renderAmbientSettings(result),
        "",
        renderScenario(result.guarded),
        "",
        renderScenario(result.sidecarWait),
        "",
        renderScenario(result.caCrt),
        "",
        "Summary",
        renderAmbientSummary(result),
    ].join("\n");
}

export function renderReport(result: DrillResult): string {
    return [renderSettings(result), "", renderScenario(result.phased), "", renderScenario(result.naive), "", "Summary", renderSideBySide(result)].join("\n");
}

function renderFleetSettings(result: FleetDrillResult): string {
    const s = result.settings;
    return [
        `certificates: ${s.certificateSource}`,
        `trust domain ${s.trustDomain}; ${s.workloads} workloads in ${s.clusters.length} clusters (${s.clusters.join(", ")}; workload i in cluster i mod ${s.clusters.length}), each issued by its own cluster's intermediate, on 127.0.0.1`,
        `${s.rate} requests/s between clusters only (one TLS 1.3 mTLS handshake each); ${s.phaseSeconds} s per phase`,
        `workload TTL ${s.workloadCertTtl} compressed to ${s.compressedTtlSeconds} s (x${s.clockCompression}); gracePeriodRatio ${s.gracePeriodRatio}: renewal after ${s.renewAfterSeconds} s; config propagation 0-${Math.round(s.maxPropagationMs)} ms per workload`,
    ].join("\n");
}

export function renderFleetReport(result: FleetDrillResult): string {
    return [renderFleetSettings(result), "", renderScenario(result.phased), "", renderScenario(result.naive), "", "Summary", renderSideBySide(result)].join("\n");
}

export function renderProgress(progress: DrillProgress): string {
    return `[${progress.scenario}] ${(progress.elapsedMs / 1000).toFixed(1).padStart(5)}/${(progress.totalMs / 1000).toFixed(0)} s  phase ${progress.phase.padEnd(11)} handshakes ${String(progress.handshakes).padStart(6)}  failed ${progress.failures}`;
}
