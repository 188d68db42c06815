/**
 * `npm run drill -- [--workloads 6] [--rate 200] [--phase-seconds 3] [--ttl-seconds s]
 *   [--propagation-ms ms] [--source rotation|plugin|fleet] [--stack plugin] [--json file]
 *   [--data-plane sidecar|ambient] [--nodes 3] [--ca-propagation-ms ms]`
 * Root rotation drill on 127.0.0.1: the phased rotation and a naive swap under the same mTLS
 * load; with `--data-plane ambient`, ztunnel-like node identities through the guarded rotation of
 * stacks/rotation-ambient/ and two unsafe alternatives (drill/ambient.ts). Exits non-zero if the
 * phased (or guarded) rotation lost any handshake. `--source fleet`: workloads in the clusters of
 * stacks/rotation-fleet/, each issued by its cluster's intermediate, talking across clusters through
 * the fleet's phased rotation and a naive swap one cluster at a time (drill/fleet.ts).
 */
import * as fs from "fs";
import { DATA_PLANES, DataPlane } from "../src/ambient";
import { AmbientDrillResult, runAmbientDrill } from "./ambient";
import { AMBIENT_ROTATION_STACKS_DIR, CertificateSource, FleetRotationPlanSource, PluginPlanSource, RotationPlanSource } from "./certSource";
import { runFleetDrill } from "./fleet";
import { renderAmbientReport, renderFleetReport, renderProgress, renderReport } from "./report";
import { DrillOptions, DrillProgress, DrillResult, checkLoadOptions, runDrill } from "./run";

const USAGE =
    "usage: npm run drill -- [--workloads <n>] [--rate <requests/s>] [--phase-seconds <s>] [--ttl-seconds <s>] [--propagation-ms <ms>] [--source rotation|plugin|fleet] [--stack <plug-in stack>] [--json <file>] [--data-plane sidecar|ambient] [--nodes <n>] [--ca-propagation-ms <ms>]";

/** A number as the drill's flags take it: decimal digits, an optional sign and fraction. Number() also takes 1e-300, 0x10 and 0b1. */
export const PLAIN_DECIMAL_RE = /^-?[0-9]{1,9}(\.[0-9]{1,9})?$/;

export const CERTIFICATE_SOURCES = ["rotation", "plugin", "fleet"] as const;

export interface DrillCliArgs extends DrillOptions {
    /** rotation: the stacks/rotation/ sequence; plugin: two plans of a plug-in stack, sequenced by the drill; fleet: the stacks/rotation-fleet/ sequence, per cluster. */
    source: (typeof CERTIFICATE_SOURCES)[number];
    /** The plug-in stack for `--source plugin`. */
    stack: string;
    json?: string;
    /** `ambient`: ztunnel-like identities through stacks/rotation-ambient/ (only with `--source rotation`). */
    dataPlane: DataPlane;
    /** Ambient: nodes the identities run on. */
    nodes?: number;
    /** Ambient: drill time istiod takes to serve a new step, ms. */
    caPropagationMs?: number;
}

export function parseDrillArgs(argv: string[]): DrillCliArgs {
    const args: DrillCliArgs = { workloads: 6, rate: 200, phaseSeconds: 3, source: "rotation", stack: "plugin", dataPlane: "sidecar" };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const take = (): string => {
            const value = argv[i + 1];
            if (value === undefined || value.startsWith("--")) throw new Error(`${flag} needs a value.\n${USAGE}`);
            i++;
            return value;
        };
        const number = (): number => {
            const text = take();
            if (!PLAIN_DECIMAL_RE.test(text))
                throw new Error(
                    `${flag} must be a number, got "${text}" (plain decimal such as 200 or 0.5, at most 9 digits after the point; no exponent, hex or binary).\n${USAGE}`,
                );
            return Number(text);
        };
        if (flag === "--workloads") args.workloads = number();
        else if (flag === "--rate") args.rate = number();
        else if (flag === "--phase-seconds") args.phaseSeconds = number();
        else if (flag === "--ttl-seconds") args.ttlSeconds = number();
        else if (flag === "--propagation-ms") args.propagationMs = number();
        else if (flag === "--stack") args.stack = take();
        else if (flag === "--source") {
            const source = take();
            if (!(CERTIFICATE_SOURCES as readonly string[]).includes(source))
                throw new Error(`--source must be one of ${CERTIFICATE_SOURCES.join(", ")}, got "${source}".\n${USAGE}`);
            args.source = source as DrillCliArgs["source"];
        } else if (flag === "--data-plane") {
            const dataPlane = take();
            if (!(DATA_PLANES as readonly string[]).includes(dataPlane)) throw new Error(`--data-plane must be one of ${DATA_PLANES.join(", ")}, got "${dataPlane}".\n${USAGE}`);
            args.dataPlane = dataPlane as DataPlane;
        } else if (flag === "--nodes") args.nodes = number();
        else if (flag === "--ca-propagation-ms") args.caPropagationMs = number();
        else if (flag === "--json") args.json = take();
        else if (flag === "--help" || flag === "-h") throw Object.assign(new Error(USAGE), { help: true });
        else throw new Error(`unknown argument "${flag}".\n${USAGE}`);
    }
    // Before any planning; the phase length against the renewal interval needs the certificates.
    checkLoadOptions(args);
    const ambientOnly = (["nodes", "caPropagationMs"] as const).filter((key) => args[key] !== undefined);
    if (args.dataPlane !== "ambient" && ambientOnly.length > 0)
        throw new Error(`${ambientOnly.map((key) => (key === "nodes" ? "--nodes" : "--ca-propagation-ms")).join(" and ")} only apply with --data-plane ambient.\n${USAGE}`);
    if (args.dataPlane === "ambient" && args.source !== "rotation")
        throw new Error(`--data-plane ambient takes its certificates from stacks/rotation-ambient/ (--source rotation), not --source ${args.source}.\n${USAGE}`);
    return args;
}

export function certificateSource(args: DrillCliArgs): CertificateSource {
    if (args.source === "fleet") throw new Error("--source fleet is loaded by FleetRotationPlanSource");
    if (args.dataPlane === "ambient") return new RotationPlanSource(AMBIENT_ROTATION_STACKS_DIR);
    return args.source === "plugin" ? new PluginPlanSource(args.stack) : new RotationPlanSource();
}

/** Exit code and closing line of an ambient run: 1 when the guarded rotation lost a handshake, ran none, or was offered far less than the requested load. */
export function ambientDrillVerdict(result: AmbientDrillResult): { code: number; message: string } {
    const { guarded, sidecarWait, caCrt, settings } = result;
    const offered = Math.min(...[guarded, sidecarWait, caCrt].map(offeredRate));
    if (offered < MIN_OFFERED_SHARE * settings.rate) {
        return {
            code: 1,
            message: `NOT A RESULT: ${settings.rate} handshakes/s were requested but only ${offered.toFixed(1)}/s were offered; below ${Math.round(MIN_OFFERED_SHARE * 100)}% of the requested load a run proves little. Lower --rate or --workloads.`,
        };
    }
    if (guarded.total.failures === 0 && guarded.total.handshakes > 0) {
        return {
            code: 0,
            message: `OK: the guarded ambient rotation completed ${guarded.total.handshakes} handshakes with none failed; sign-new after the sidecar wait failed ${sidecarWait.total.failures}, roots through meshConfig failed ${caCrt.total.failures}.`,
        };
    }
    return { code: 1, message: `FAIL: the guarded ambient rotation lost ${guarded.total.failures} handshake(s) (${guarded.total.handshakes} completed).` };
}

/** Prints the report, writes `--json`, prints the verdict; returns the exit code. */
function finish(args: DrillCliArgs, report: string, result: object, verdict: { code: number; message: string }): number {
    console.log(`\n${report}`);
    if (args.json) {
        fs.writeFileSync(args.json, JSON.stringify(result, null, 2) + "\n");
        console.log(`\nWrote ${args.json}`);
    }
    (verdict.code === 0 ? console.log : console.error)(`\n${verdict.message}`);
    return verdict.code;
}

async function main(): Promise<number> {
    const args = parseDrillArgs(process.argv.slice(2));
    const onProgress = (progress: DrillProgress) => console.log(renderProgress(progress));
    if (args.source === "fleet") {
        const result = await runFleetDrill(await new FleetRotationPlanSource().load(), { ...args, onProgress });
        return finish(args, renderFleetReport(result), result, drillVerdict(result, "fleet's phased rotation"));
    }
    const certs = await certificateSource(args).load();
    if (args.dataPlane === "ambient") {
        const result = await runAmbientDrill(certs, { ...args, onProgress });
        return finish(args, renderAmbientReport(result), result, ambientDrillVerdict(result));
    }
    const result = await runDrill(certs, { ...args, onProgress });
    return finish(args, renderReport(result), result, drillVerdict(result));
}

/** Share of the requested load a run must have offered to count: below it, the figures say little. */
export const MIN_OFFERED_SHARE = 0.8;

/** Requests per second the load generator offered (attempted, not skipped) in a scenario. */
export function offeredRate(scenario: DrillResult["phased"]): number {
    return scenario.total.durationMs > 0 ? scenario.total.attempts / (scenario.total.durationMs / 1000) : 0;
}

/** Exit code and closing line: 1 when the phased rotation lost a handshake, ran none, or was offered far less than the requested load. */
export function drillVerdict(result: Pick<DrillResult, "phased" | "naive" | "settings">, rotation = "phased rotation"): { code: number; message: string } {
    const { phased, naive, settings } = result;
    const offered = Math.min(offeredRate(phased), offeredRate(naive));
    if (offered < MIN_OFFERED_SHARE * settings.rate) {
        return {
            code: 1,
            message:
                `NOT A RESULT: ${settings.rate} handshakes/s were requested but only ${offered.toFixed(1)}/s were offered (phased ${phased.total.skipped} and naive ${naive.total.skipped} requests skipped: too many in flight); ` +
                `below ${Math.round(MIN_OFFERED_SHARE * 100)}% of the requested load a run proves little. Lower --rate or --workloads.`,
        };
    }
    if (phased.total.failures === 0 && phased.total.handshakes > 0) {
        return { code: 0, message: `OK: the ${rotation} completed ${phased.total.handshakes} handshakes with none failed; the naive swap failed ${naive.total.failures}.` };
    }
    let message = `FAIL: the ${rotation} lost ${phased.total.failures} handshake(s) (${phased.total.handshakes} completed).`;
    const slowest = phased.total.maxMs ?? 0;
    if (slowest > settings.phaseMarginMs) {
        message +=
            `\nThe slowest handshake took ${slowest.toFixed(0)} ms, more than the ${settings.phaseMarginMs} ms a phase leaves after renewals and config pushes: ` +
            "the machine is too busy for this compressed clock. Lower --rate or raise --phase-seconds.";
    }
    return { code: 1, message };
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (err) => {
            if ((err as { help?: boolean }).help) {
                console.log(err.message);
                process.exit(0);
            }
            console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
            process.exit(2);
        },
    );
}
