/**
 * `npm run plan -- [--stack <name>] [--config-file <path>] [--state <dir>] [--previous <plan.json>] ...`
 * Plans a stack offline (no cluster, no Pulumi CLI), prints its resource tree and, given the
 * previous plan, what `pulumi up` would do to each resource.
 */
import * as fs from "fs";
import { ConfigError } from "../src/config";
import { RotationRefusedError } from "../program/rotationGuard";
import { refusalOf, renderChanges } from "./diff";
import { EmulatedState, PlanError, findStackConfigFile, planStack, readProject } from "./engine";
import { renderPlan } from "./render";
import { loadPlanState, readPlanFile, savePlanState } from "./stateDir";
import { parseStrictIsoTime } from "./time";
import type { PlanResult } from "./types";

const USAGE = `usage: npm run plan -- [--stack <name>] [--config-file <path>] [--state <dir>] [--previous <plan.json>]
                      [--previous-outputs <outputs.json>] [--unprotect <resource name>]... [--now <ISO 8601 time>] [--json <file>]

  --stack             stack name (default dev); without --config-file, selects Pulumi.<name>.yaml
  --config-file       the stack's config file (e.g. one step of a rotation under stacks/)
  --state             directory keeping the last plan and the emulated keys and certificates between runs,
                      as a backend keeps a stack's state; the next run compares against it (holds private keys: 0700)
  --previous          a plan written by --json: its outputs feed the rotation guard (the update report needs --state,
                      which keeps the keys the previous plan made; without it every key and certificate is new)
  --previous-outputs  \`pulumi stack output --json --show-secrets\` of a deployed stack, for the rotation guard only
  --unprotect         as \`pulumi state unprotect\` on a resource of the previous plan, by name (repeatable)
  --now               the time the program's clock reads (strict ISO 8601, e.g. 2026-11-24T12:00:00Z)
  --json              also write the plan as JSON`;

interface CliArgs {
    stack: string;
    configFile?: string;
    json?: string;
    state?: string;
    previous?: string;
    previousOutputs?: string;
    unprotect: string[];
    now?: Date;
}

function parseArgs(argv: string[]): CliArgs {
    const args: CliArgs = { stack: "dev", unprotect: [] };
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
        else if (flag === "--state") args.state = take();
        else if (flag === "--previous") args.previous = take();
        else if (flag === "--previous-outputs") args.previousOutputs = take();
        else if (flag === "--unprotect") args.unprotect.push(take());
        else if (flag === "--now") {
            const text = take();
            const now = parseStrictIsoTime(text);
            if (!now) throw new PlanError(`--now ${text} is not a strict ISO 8601 time; use e.g. 2026-11-24T12:00:00Z (date, "T", time and zone, and a real calendar date).`);
            args.now = now;
        } else if (flag === "--help" || flag === "-h") {
            console.log(USAGE);
            process.exit(0);
        } else throw new PlanError(`unknown argument "${flag}".\n${USAGE}`);
    }
    if (args.previous && args.previousOutputs) throw new PlanError("give --previous or --previous-outputs, not both.");
    return args;
}

/** `pulumi stack output --json` of a deployed stack: a non-empty map of outputs. */
function readOutputsFile(file: string): Record<string, unknown> {
    let parsed: unknown;
    try {
        parsed = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new PlanError(`--previous-outputs ${file}: cannot read JSON (${(err as Error).message}).`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed) || Object.keys(parsed).length === 0) {
        throw new PlanError(`--previous-outputs ${file} holds no outputs; for a first deployment, give no previous outputs.`);
    }
    if ("resources" in parsed) throw new PlanError(`--previous-outputs ${file} is a plan; pass it with --previous.`);
    return parsed as Record<string, unknown>;
}

/** The previous plan with the named resources unprotected, as `pulumi state unprotect` leaves the state. */
function unprotect(previous: PlanResult | undefined, names: string[]): PlanResult | undefined {
    if (names.length === 0) return previous;
    if (!previous) throw new PlanError("--unprotect needs a previous plan (--previous or --state).");
    const resources = previous.resources.map((resource) => ({ ...resource }));
    for (const name of names) {
        const found = resources.filter((resource) => resource.name === name);
        if (found.length === 0) throw new PlanError(`--unprotect ${name}: the previous plan has no resource of that name.`);
        if (!found.some((resource) => resource.protect)) throw new PlanError(`--unprotect ${name}: that resource is not protected.`);
        for (const resource of found) resource.protect = false;
    }
    return { ...previous, resources };
}

async function main(): Promise<void> {
    const args = parseArgs(process.argv.slice(2));
    const configFile = args.configFile ?? findStackConfigFile(args.stack);
    const saved = args.state ? loadPlanState(args.state) : undefined;
    let previous = args.previous ? readPlanFile(args.previous) : saved?.previous;
    if (previous && (previous.project !== readProject().name || previous.stack !== args.stack)) {
        throw new PlanError(
            `the previous plan is of stack ${previous.project}/${previous.stack}, not ${readProject().name}/${args.stack}; plan every update of a stack under the same --stack name.`,
        );
    }
    previous = unprotect(previous, args.unprotect);
    const emulatedState: EmulatedState | undefined = saved?.emulatedState;
    const plan = await planStack({
        stack: args.stack,
        configFile,
        previousOutputs: args.previousOutputs ? readOutputsFile(args.previousOutputs) : previous?.outputs,
        // Only with the emulated state the previous plan left can keys and certificates be compared.
        previousResources: saved ? previous?.resources : undefined,
        now: args.now,
        emulatedState,
    });
    console.log(`Offline plan of stack "${args.stack}" (${configFile})\n`);
    console.log(renderPlan(plan));
    if (plan.changes) {
        console.log(`\nWhat pulumi up would do, from the previous plan (${args.previous ?? `${args.state}/plan.json`}):`);
        console.log(renderChanges(plan.changes));
    } else if (previous) {
        console.log("\n(No update report: without --state this plan made new keys and certificates, so it cannot say what pulumi up would keep. Plan the updates with --state.)");
    }
    if (args.json) {
        fs.writeFileSync(args.json, JSON.stringify(plan, null, 2) + "\n");
        console.log(`\nWrote ${args.json}`);
    }
    const refusal = plan.changes ? refusalOf(plan.changes) : undefined;
    if (refusal) throw new PlanError(refusal);
    if (args.state && emulatedState) {
        savePlanState(args.state, plan, emulatedState);
        console.log(`Saved the plan and its emulated state in ${args.state}`);
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
