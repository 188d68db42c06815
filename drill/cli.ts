/**
 * `npm run drill -- [--workloads 6] [--rate 200] [--phase-seconds 3] [--ttl-seconds s]
 *   [--propagation-ms ms] [--stack plugin] [--json file]`
 * Root rotation drill on 127.0.0.1: the phased rotation and a naive swap under the same mTLS
 * load. Exits non-zero if the phased rotation lost any handshake.
 */
import * as fs from "fs";
import { CertificateSource, PluginPlanSource } from "./certSource";
import { renderProgress, renderReport } from "./report";
import { DrillOptions, runDrill } from "./run";

const USAGE =
    "usage: npm run drill -- [--workloads <n>] [--rate <requests/s>] [--phase-seconds <s>] [--ttl-seconds <s>] [--propagation-ms <ms>] [--stack <plug-in stack>] [--json <file>]";

export interface DrillCliArgs extends DrillOptions {
    stack: string;
    json?: string;
}

export function parseDrillArgs(argv: string[]): DrillCliArgs {
    const args: DrillCliArgs = { workloads: 6, rate: 200, phaseSeconds: 3, stack: "plugin" };
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
            const value = Number(text);
            if (text.trim() === "" || !Number.isFinite(value)) throw new Error(`${flag} must be a number, got "${text}".\n${USAGE}`);
            return value;
        };
        if (flag === "--workloads") args.workloads = number();
        else if (flag === "--rate") args.rate = number();
        else if (flag === "--phase-seconds") args.phaseSeconds = number();
        else if (flag === "--ttl-seconds") args.ttlSeconds = number();
        else if (flag === "--propagation-ms") args.propagationMs = number();
        else if (flag === "--stack") args.stack = take();
        else if (flag === "--json") args.json = take();
        else if (flag === "--help" || flag === "-h") throw Object.assign(new Error(USAGE), { help: true });
        else throw new Error(`unknown argument "${flag}".\n${USAGE}`);
    }
    return args;
}

export function certificateSource(args: DrillCliArgs): CertificateSource {
    return new PluginPlanSource(args.stack);
}

async function main(): Promise<number> {
    const args = parseDrillArgs(process.argv.slice(2));
    const certs = await certificateSource(args).load();
    const result = await runDrill(certs, { ...args, onProgress: (progress) => console.log(renderProgress(progress)) });
    console.log("");
    console.log(renderReport(result));
    if (args.json) {
        fs.writeFileSync(args.json, JSON.stringify(result, null, 2) + "\n");
        console.log(`\nWrote ${args.json}`);
    }
    if (result.phased.total.failures > 0 || result.phased.total.handshakes === 0) {
        console.error(`\nFAIL: the phased rotation lost ${result.phased.total.failures} handshake(s) (${result.phased.total.handshakes} completed).`);
        return 1;
    }
    console.log(`\nOK: the phased rotation completed ${result.phased.total.handshakes} handshakes with none failed; the naive swap failed ${result.naive.total.failures}.`);
    return 0;
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
