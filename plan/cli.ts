/**
 * `npm run plan -- --stack <name> [--json <file>] [--previous <file>]`
 * Plans a stack offline (no cluster, no Pulumi CLI) and prints its resource tree.
 */
import * as fs from "fs";
import { ConfigError } from "../src/config";
import { RotationRefusedError } from "../src/rotationGuard";
import { PlanError, findStackConfigFile, planStack } from "./engine";
import { renderPlan } from "./render";

const USAGE = "usage: npm run plan -- [--stack <name>] [--config-file <path>] [--json <file>] [--previous <plan.json|outputs.json>] [--now <ISO 8601 time>]";

interface CliArgs {
    stack: string;
    configFile?: string;
    json?: string;
    previous?: string;
    now?: Date;
}

function parseArgs(argv: string[]): CliArgs {
    const args: CliArgs = { stack: "dev" };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = argv[i + 1];
        const take = () => {
            if (value === undefined || value.startsWith("--")) throw new PlanError(`${flag} needs a value.\n${USAGE}`);
            i++;
            return value;
        };
        if (flag === "--stack") args.stack = take();
        else if (flag === "--config-file") args.configFile = take();
        else if (flag === "--json") args.json = take();
        else if (flag === "--previous") args.previous = take();
        else if (flag === "--now") {
            const text = take();
            const now = new Date(text);
            if (Number.isNaN(now.getTime())) throw new PlanError(`--now ${text} is not a time; use ISO 8601, e.g. 2026-11-24T12:00:00Z.`);
            args.now = now;
        }
        else if (flag === "--help" || flag === "-h") {
            console.log(USAGE);
            process.exit(0);
        } else throw new PlanError(`unknown argument "${flag}".\n${USAGE}`);
    }
    return args;
}

/** Previous outputs from a plan JSON (its "outputs") or a `pulumi stack output --json` map. */
function readPrevious(file: string): Record<string, unknown> {
    let parsed: any;
    try {
        parsed = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new PlanError(`--previous ${file}: cannot read JSON (${(err as Error).message}).`);
    }
    return parsed && typeof parsed === "object" && "resources" in parsed && "outputs" in parsed ? parsed.outputs : parsed;
}

async function main(): Promise<void> {
    const args = parseArgs(process.argv.slice(2));
    const configFile = args.configFile ?? findStackConfigFile(args.stack);
    const plan = await planStack({ stack: args.stack, configFile, previousOutputs: args.previous ? readPrevious(args.previous) : undefined, now: args.now });
    console.log(`Offline plan of stack "${args.stack}" (${configFile})\n`);
    console.log(renderPlan(plan));
    if (args.json) {
        fs.writeFileSync(args.json, JSON.stringify(plan, null, 2) + "\n");
        console.log(`\nWrote ${args.json}`);
    }
}

main().then(
    () => process.exit(0),
    (err) => {
        if (err instanceof ConfigError || err instanceof PlanError || err instanceof RotationRefusedError) console.error(`error: ${err.message}`);
        else console.error(err);
        process.exit(1);
    },
);
