/**
 * Offline plan: runs the real program under Pulumi's mock engine with a stack's config file,
 * and records every resource (type, name, parent, inputs, outputs). Resources the program's
 * correctness depends on (tls, Vault PKI) are emulated with real cryptography; the rest echo
 * their inputs. Secrets are replaced by "[secret]" in everything it returns.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as YAML from "yaml";
import { EMULATORS, Emulator, EmulatorContext } from "./emulators";
import { MissingConfigError, ProjectConfigDeclaration, applyProjectConfig } from "./projectConfig";
import { diffPlans, leavesOf, secretDigests } from "./diff";
import { forcesReplacement, replaceRuleOf } from "./engineRules";
import { withoutPromiseStamps } from "./promiseStacks";
import type { PlanResult, PlannedResource } from "./types";
import { isOnlyCertificates } from "../src/pki";

// Internal runtime modules: the mock monitor is installed and drained the way `setMocks` does.

const settings: {
    setMockOptions(monitor: unknown, project: string, stack: string, preview: boolean, organization?: string): void;
    waitForRPCs(): Promise<void>;
} = require("@pulumi/pulumi/runtime/settings");

const state: { getStore(): Record<string, any> } = require("@pulumi/pulumi/runtime/state");

export const REDACTED = "[secret]";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE_SIG = "1b47061264138c4ac30d75fd1eb44270";

export type { PlanResult, PlannedResource } from "./types";

export interface StackConfig {
    /** Full keys (`istio-ca:caMode`) to string values, as the Pulumi CLI passes them. */
    values: Record<string, string>;
    secretKeys: string[];
}

export interface PlanOptions {
    stack: string;
    /** Project directory (holding Pulumi.yaml). Default: this repository. */
    projectDir?: string;
    /** Config file to use instead of looking it up by stack name. */
    configFile?: string;
    /** Config given directly instead of from a file (tests). */
    config?: StackConfig;
    /** Outputs of the stack's previous deployment, seen by a StackReference to itself. */
    previousOutputs?: Record<string, unknown>;
    /** A program to run instead of the stack's (component tests); what it returns becomes the outputs. */
    program?: (options: { clock?: () => Date }) => unknown;
    /**
     * In-process callers only (the rotation drill needs the emulated intermediate key to sign
     * workload certificates): keep secret values instead of "[secret]". Default false; the
     * plan CLI and its JSON output never set it.
     */
    revealSecrets?: boolean;
    /** The time the program's clock reads (rotation timestamps). Default: now. */
    now?: Date;
    /**
     * State of emulated resources from earlier plans of the same stack; this plan updates it.
     * A resource the real provider would keep (unchanged inputs, or changes it updates in place)
     * keeps its outputs, as an update keeps an unchanged resource (a root keeps its key across
     * rotation phases); one it would replace (`engineRules.ts`) is emulated afresh. It holds private
     * keys: in-process, or in a `--state` directory. Default: every emulated resource is created afresh.
     */
    emulatedState?: EmulatedState;
    /** The previous plan's resources: the result then says what the engine would do to each (`changes`). */
    previousResources?: PlannedResource[];
}

/** Outputs of emulated resources by type and name, with the inputs they were made from (JSON). */
export type EmulatedState = Map<string, { inputs: string; outputs: Record<string, any> }>;

export const PROJECT_DIR = path.resolve(__dirname, "..");

/** Emulator stores that belong to an `emulatedState` (and live as long as it). */
const EMULATOR_STORES = new WeakMap<EmulatedState, Map<string, unknown>>();

/** The emulator store of an emulated state (created empty, or given when the state is restored from disk). */
export function emulatorStoreFor(emulatedState: EmulatedState | undefined, restored?: Map<string, unknown>): Map<string, unknown> {
    if (emulatedState && restored) EMULATOR_STORES.set(emulatedState, restored);
    if (!emulatedState) return new Map();
    let store = EMULATOR_STORES.get(emulatedState);
    if (!store) {
        store = new Map();
        EMULATOR_STORES.set(emulatedState, store);
    }
    return store;
}

const STACK_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export class PlanError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PlanError";
    }
}

/** Stack names that have a config file, from the top level and `stacks/` (recursively). */
export function listStacks(projectDir = PROJECT_DIR): { stack: string; file: string }[] {
    const found: { stack: string; file: string }[] = [];
    const visit = (dir: string) => {
        if (!fs.existsSync(dir)) return;
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory() && dir !== projectDir) visit(full);
            const match = /^Pulumi\.(.+)\.yaml$/.exec(entry.name);
            if (entry.isFile() && match) found.push({ stack: match[1], file: full });
        }
    };
    visit(projectDir);
    visit(path.join(projectDir, "stacks"));
    return found;
}

/** The config file of a stack: top-level `Pulumi.<name>.yaml`, else `stacks/Pulumi.<name>.yaml`, else one under a subfolder of `stacks/`. */
export function findStackConfigFile(stack: string, projectDir = PROJECT_DIR): string {
    if (!STACK_NAME_RE.test(stack)) {
        throw new PlanError(`"${stack}" is not a valid stack name (letters, digits, '-', '_' and '.' only).`);
    }
    const candidates = [path.join(projectDir, `Pulumi.${stack}.yaml`), path.join(projectDir, "stacks", `Pulumi.${stack}.yaml`)];
    // Then stack files in subfolders of stacks/ (e.g. stacks/rotation/).
    const file = candidates.find((candidate) => fs.existsSync(candidate)) ?? listStacks(projectDir).find((s) => s.stack === stack)?.file;
    if (!file) {
        const known = listStacks(projectDir)
            .map((s) => s.stack)
            .sort();
        throw new PlanError(
            `No config file for stack "${stack}" (looked for ${candidates.map((c) => path.relative(projectDir, c)).join(" and ")}). Known stacks: ${known.join(", ")}.`,
        );
    }
    return file;
}

/** Pulumi.yaml's name and `config:` declarations. */
export function readProject(projectDir = PROJECT_DIR): { name: string; config?: Record<string, ProjectConfigDeclaration> } {
    const project = YAML.parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"));
    return { name: String(project.name), config: project.config ?? undefined };
}

/** Reads a stack config file into the form the Pulumi CLI hands to programs. */
export function loadStackConfig(file: string): StackConfig {
    let document: unknown;
    try {
        document = YAML.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new PlanError(`${file} is not valid YAML: ${(err as Error).message}`);
    }
    // A stack file that is empty, a list or a scalar, or has no config map, is refused rather than planned as the defaults.
    const isMap = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);
    if (!isMap(document))
        throw new PlanError(
            `${file} is ${document === null || document === undefined ? "empty" : `a ${Array.isArray(document) ? "list" : typeof document}`}, not a stack file; write it as a map with a "config:" map of istio-ca: keys.`,
        );
    if (!("config" in document)) throw new PlanError(`${file} has no "config:" map; put the stack's keys under config:, e.g. config:\n  istio-ca:caMode: plugin`);
    const config = document.config;
    if (!isMap(config)) throw new PlanError(`${file}: "config" must be a map of keys to values, not ${JSON.stringify(config)}.`);
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(config)) {
        if (containsEncrypted(value)) {
            throw new PlanError(
                `${file}: ${key} is an encrypted secret, which the offline plan cannot decrypt. Plan a stack file without encrypted values, or run "pulumi preview" with the stack's secrets provider.`,
            );
        }
        values[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return { values, secretKeys: [] };
}

function containsEncrypted(value: unknown): boolean {
    if (value === null || typeof value !== "object") return false;
    if (!Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value) return true;
    return Object.values(value).some(containsEncrypted);
}

interface Recorded {
    type: string;
    name: string;
    parentUrn: string;
    custom: boolean;
    protect: boolean;
    retainOnDelete: boolean;
    replaceOnChanges: string[];
    deleteBeforeReplace: boolean;
    read: boolean;
    dependencies: string[];
    rawInputs: unknown;
    outputs: Record<string, unknown>;
    additionalSecretOutputs: string[];
    provider: string;
    urn?: string;
}

/** A mock monitor that also records what each registration asked for. */
class RecordingMonitor extends MockMonitor {
    readonly recorded: Recorded[] = [];

    /** `replaceOnChanges` of each registered resource, by name, for the emulators' keep-or-replace decision. */
    private readonly replaceOnChanges = new Map<string, string[]>();

    constructor(
        private readonly previousOutputs: Record<string, unknown>,
        private readonly now: Date,
        private readonly emulatedState?: EmulatedState,
        private readonly store: Map<string, unknown> = emulatorStoreFor(emulatedState),
    ) {
        super({
            newResource: async (args) => {
                const emulator = EMULATORS[args.type];
                const context: EmulatorContext = { name: args.name, store: this.store, now: this.now };
                if (args.type === "pulumi:pulumi:StackReference") {
                    return { id: args.inputs.name, state: { name: args.inputs.name, outputs: this.previousOutputs, secretOutputNames: [] } };
                }
                const outputs = emulator ? await this.emulate(emulator, args.type, args.name, unwrapSecrets(args.inputs), context) : { ...args.inputs };
                return { id: args.custom ? `${args.name}-id` : undefined, state: outputs };
            },
            call: async (args) => {
                throw new PlanError(`the offline plan does not emulate the function ${args.token}`);
            },
        });
    }

    /**
     * Runs an emulator, or keeps the earlier outputs of a resource the real provider would keep: its
     * inputs are unchanged or changed only where it updates in place (then the new inputs show), and
     * it is not a certificate due for early renewal.
     */
    private async emulate(emulator: Emulator, type: string, name: string, inputs: Record<string, any>, context: EmulatorContext): Promise<Record<string, any>> {
        const key = `${type}::${name}`;
        const inputsJson = JSON.stringify(inputs);
        const kept = this.emulatedState?.get(key);
        if (kept && !this.replaces(type, name, JSON.parse(kept.inputs), inputs, kept.outputs)) {
            const outputs = kept.inputs === inputsJson ? kept.outputs : { ...kept.outputs, ...inputs };
            this.emulatedState?.set(key, { inputs: inputsJson, outputs });
            return outputs;
        }
        const outputs = await emulator(inputs, context);
        this.emulatedState?.set(key, { inputs: inputsJson, outputs });
        return outputs;
    }

    /** Whether the real provider would replace this emulated resource (engineRules.ts). */
    private replaces(type: string, name: string, before: Record<string, any>, after: Record<string, any>, outputs: Record<string, any>): boolean {
        const rule = replaceRuleOf(type);
        if (!rule) return JSON.stringify(before) !== JSON.stringify(after);
        const old = leavesOf(before);
        const fresh = leavesOf(after);
        const replaceOnChanges = (this.replaceOnChanges.get(name) ?? []).map((path) => path.split("."));
        for (const key of new Set([...old.keys(), ...fresh.keys()])) {
            if (JSON.stringify(old.get(key)?.value) === JSON.stringify(fresh.get(key)?.value)) continue;
            const path = (old.get(key) ?? fresh.get(key))!.path;
            if (forcesReplacement(rule, path, {}) || replaceOnChanges.some((p) => p.every((segment, i) => path[i] === segment))) return true;
        }
        if (rule.renewsEarly) {
            const end = Date.parse(String(outputs.validityEndTime ?? ""));
            if (Number.isFinite(end) && this.now.getTime() >= end - Number(after.earlyRenewalHours ?? 0) * 3600000) return true;
        }
        return false;
    }

    /** Resources whose emulation failed; a plan with any of them fails, even if no output depends on them. */
    readonly failures: string[] = [];

    async registerResource(req: any, callback: (err: any, response: any) => void): Promise<void> {
        const record = this.record(req, { custom: req.getCustom(), protect: !!req.getProtect(), inputs: req.getObject() });
        record.retainOnDelete = !!req.getRetainondelete();
        record.replaceOnChanges = req.getReplaceonchangesList();
        this.replaceOnChanges.set(record.name, record.replaceOnChanges);
        record.deleteBeforeReplace = !!req.getDeletebeforereplace();
        return super.registerResource(req, (err: any, response: any) => {
            if (response) this.recordResponse(record, response.getUrn(), response.getObject());
            if (err) this.failures.push(`${record.type} ${record.name}: ${err instanceof Error ? err.message : String(err)}`);
            callback(err, response);
        });
    }

    async readResource(req: any, callback: (err: any, response: any) => void): Promise<void> {
        const record = this.record(req, { custom: true, protect: false, inputs: req.getProperties() });
        record.read = true;
        return super.readResource(req, (err: any, response: any) => {
            if (response) this.recordResponse(record, response.getUrn(), response.getProperties());
            if (err) this.failures.push(`${record.type} ${record.name}: ${err instanceof Error ? err.message : String(err)}`);
            callback(err, response);
        });
    }

    /** Records a register or read request; the response fills in its URN and outputs. */
    private record(req: any, own: { custom: boolean; protect: boolean; inputs: any }): Recorded {
        const record: Recorded = {
            type: req.getType(),
            name: req.getName(),
            parentUrn: req.getParent(),
            custom: own.custom,
            protect: own.protect,
            retainOnDelete: false,
            replaceOnChanges: [],
            deleteBeforeReplace: false,
            read: false,
            dependencies: req.getDependenciesList(),
            rawInputs: own.inputs?.toJavaScript() ?? {},
            outputs: {},
            additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
            provider: req.getProvider() ?? "",
        };
        this.recorded.push(record);
        return record;
    }

    private recordResponse(record: Recorded, urn: string, outputs: any): void {
        record.urn = urn;
        record.outputs = outputs?.toJavaScript() ?? {};
    }
}

/** Removes the secret wrappers the mock monitor leaves in deserialized inputs. */
function unwrapSecrets(value: any): any {
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (value[SIG_KEY] === SECRET_VALUE_SIG) return unwrapSecrets(value.value);
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, unwrapSecrets(child)]));
}

/** Certificates are public even inside a secret (e.g. `ca-cert.pem` in the cacerts Secret). */
function isPublicCertificatePem(value: string): boolean {
    return isOnlyCertificates(value);
}

/** Collects every string inside secret-marked values, so copies elsewhere can be redacted too. */
function collectSecrets(value: unknown, inSecret: boolean, into: Set<string>): void {
    if (typeof value === "string") {
        if (inSecret && value.length >= 8 && !isPublicCertificatePem(value)) into.add(value);
        return;
    }
    if (value === null || typeof value !== "object") return;
    const record = value as Record<string, unknown>;
    const isSecret = record[SIG_KEY] === SECRET_VALUE_SIG;
    for (const child of Object.values(record)) collectSecrets(child, inSecret || isSecret, into);
}

/** Unwraps Pulumi's wire format, replacing secrets, unknowns and resource references. */
function clean(value: unknown, secrets: Set<string>, reveal = false): unknown {
    if (typeof value === "string") {
        if (value === UNKNOWN_VALUE) return "[unknown]";
        if (reveal) return value;
        if (value.includes("PRIVATE KEY-----")) return REDACTED;
        for (const secret of secrets) if (value.includes(secret)) return REDACTED;
        return value;
    }
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map((item) => clean(item, secrets, reveal));
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_VALUE_SIG) return reveal ? clean(record.value, secrets, reveal) : cleanSecret(record.value, secrets);
    if (record[SIG_KEY] === RESOURCE_SIG) return { resource: record.urn };
    const result: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(record)) result[key] = clean(child, secrets, reveal);
    return result;
}

/** A secret value: structure kept, every leaf redacted except public certificates. */
function cleanSecret(value: unknown, secrets: Set<string>): unknown {
    if (typeof value === "string") return isPublicCertificatePem(value) ? value : REDACTED;
    if (value === null || typeof value !== "object") return REDACTED;
    if (Array.isArray(value)) return value.map((item) => cleanSecret(item, secrets));
    const record = value as Record<string, unknown>;
    // A secret nested in a secret (e.g. a secret Output inside a secret map): unwrap it too.
    if (record[SIG_KEY] === SECRET_VALUE_SIG) return cleanSecret(record.value, secrets);
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, cleanSecret(child, secrets)]));
}

function urnName(urn: string): string {
    return urn.split("::").pop() ?? urn;
}

/** Resolves a program's exported value (Outputs inside) to plain data, marking secrets. */
async function resolveExport(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        const output = value as any;
        const [resolved, isSecret] = await Promise.all([output.promise(), output.isSecret]);
        return isSecret ? { [SIG_KEY]: SECRET_VALUE_SIG, value: await resolveExport(resolved) } : resolveExport(resolved);
    }
    if (value instanceof Promise) return resolveExport(await value);
    if (Array.isArray(value)) return Promise.all(value.map(resolveExport));
    if (value !== null && typeof value === "object" && !pulumi.Resource.isInstance(value)) {
        const entries = await Promise.all(Object.entries(value).map(async ([key, child]) => [key, await resolveExport(child)] as const));
        return Object.fromEntries(entries);
    }
    return value;
}

let planQueue: Promise<unknown> = Promise.resolve();

/**
 * Plans one stack. Plans run one at a time: the Pulumi runtime's state is process-wide. The stack
 * Pulumi stamps on each of its promises is not formatted meanwhile (`promiseStacks.ts`).
 */
export function planStack(options: PlanOptions): Promise<PlanResult> {
    const run = planQueue.then(() => withoutPromiseStamps(() => planStackNow(options)));
    planQueue = run.catch(() => undefined);
    return run;
}

async function planStackNow(options: PlanOptions): Promise<PlanResult> {
    // The guard would refuse an invalid clock too, but the emulators and the diff read it first.
    if (options.now !== undefined && !(options.now instanceof Date && Number.isFinite(options.now.getTime()))) {
        throw new PlanError(`now is ${String(options.now)}, not a time; give a valid Date (the plan's --now takes ISO 8601, e.g. 2026-11-24T12:00:00Z).`);
    }
    const projectDir = options.projectDir ?? PROJECT_DIR;
    const { name: project, config: declarations } = readProject(projectDir);
    const stackConfig = options.config ?? loadStackConfig(options.configFile ?? findStackConfigFile(options.stack, projectDir));
    // What the CLI would hand the program, or its refusal of a stack that lacks a required key.
    let values: Record<string, string>;
    try {
        values = applyProjectConfig(project, declarations, options.stack, stackConfig.values);
    } catch (err) {
        if (err instanceof MissingConfigError) throw new PlanError(err.message);
        throw err;
    }
    const config: StackConfig = { values, secretKeys: stackConfig.secretKeys };

    const monitor = new RecordingMonitor(options.previousOutputs ?? {}, options.now ?? new Date(), options.emulatedState);
    settings.setMockOptions(monitor, project, options.stack, false, "organization");
    const store = state.getStore();
    store.supportsSecrets = true;
    store.supportsResourceReferences = true;
    store.supportsOutputValues = false;
    store.supportsDeletedWith = true;
    store.supportsAliasSpecs = true;
    store.supportsTransforms = false;
    pulumi.runtime.setAllConfig(config.values, config.secretKeys);

    // Loaded per run so a program module cache never leaks state between stacks.
    const program = options.program ?? (await import("../program/stack")).runStack;
    let rawOutputs: unknown;
    try {
        const now = options.now;
        rawOutputs = await resolveExport(await program(now ? { clock: () => now } : {}));
        await settings.waitForRPCs();
        if (monitor.failures.length > 0) throw new PlanError(`the plan failed to create ${monitor.failures.length} resource(s):\n  ${monitor.failures.join("\n  ")}`);
    } catch (err) {
        // Lets callers check that a refused config registered nothing.
        if (err && typeof err === "object") {
            Object.assign(err, { registeredResources: monitor.recorded.length, registeredTypes: monitor.recorded.map((record) => record.type) });
        }
        throw err;
    }

    const secrets = new Set<string>();
    collectSecrets(rawOutputs, false, secrets);
    for (const record of monitor.recorded) {
        collectSecrets(record.rawInputs, false, secrets);
        for (const key of record.additionalSecretOutputs) collectSecrets(record.outputs[key], true, secrets);
    }

    const reveal = options.revealSecrets === true;
    const nameByUrn = new Map(monitor.recorded.filter((r) => r.urn).map((r) => [r.urn!, r.name]));
    const resources: PlannedResource[] = monitor.recorded.map((record) => {
        const outputs = { ...record.outputs };
        for (const key of record.additionalSecretOutputs) if (key in outputs) outputs[key] = { [SIG_KEY]: SECRET_VALUE_SIG, value: outputs[key] };
        const inputs = clean(record.rawInputs, secrets, reveal) as Record<string, unknown>;
        return {
            type: record.type,
            name: record.name,
            parent: record.parentUrn ? (nameByUrn.get(record.parentUrn) ?? urnName(record.parentUrn)) : null,
            urn: record.urn ?? "",
            custom: record.custom,
            protect: record.protect,
            retainOnDelete: record.retainOnDelete,
            replaceOnChanges: record.replaceOnChanges,
            deleteBeforeReplace: record.deleteBeforeReplace,
            dependsOn: [...new Set(record.dependencies.map((urn) => nameByUrn.get(urn) ?? urnName(urn)))],
            // Provider references are "<urn>::<id>".
            provider: record.provider ? (nameByUrn.get(record.provider.split("::").slice(0, -1).join("::")) ?? urnName(record.provider.split("::").slice(0, -1).join("::"))) : null,
            read: record.read,
            inputs,
            outputs: clean(outputs, secrets, reveal) as Record<string, unknown>,
            secretDigests: secretDigests(clean(record.rawInputs, secrets, false), clean(record.rawInputs, secrets, true), record.urn ?? ""),
        };
    });
    const result: PlanResult = { project, stack: options.stack, outputs: clean(rawOutputs, secrets, reveal) as Record<string, unknown>, resources };
    if (options.previousResources) result.changes = diffPlans(options.previousResources, resources, options.now ?? new Date());
    return result;
}
