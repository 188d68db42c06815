/**
 * What the real engine would do to each resource, going from one offline plan to the next, under
 * the rules in `engineRules.ts`: create, leave, update in place, replace (create before delete),
 * delete before replace, delete, or refuse (a protected resource it would replace or delete).
 */
import { createHash } from "crypto";
import { ENGINE_RULES, Path, coveredBy, forcesReplacement, replaceRuleOf } from "./engineRules";
import type { PlannedResource } from "./types";

export type Operation = "create" | "same" | "update" | "replace" | "delete-before-replace" | "delete" | "refused";

export interface ResourceChange {
    type: string;
    name: string;
    urn: string;
    operation: Operation;
    /** What the engine would have done to a resource it refuses to touch. */
    refused?: "replace" | "delete-before-replace" | "delete";
    /** Input paths that differ ("stringData.ca-cert.pem"). */
    changed: string[];
    /** Why it is replaced: the changed paths that force it, or "readyForRenewal". */
    replacedBy: string[];
    /** Changed paths the provider only records in Pulumi's state: the real object keeps its old value. */
    stateOnly: string[];
    /** A delete that leaves the real object in place (retainOnDelete, or a provider whose Delete does nothing). */
    keepsObject?: boolean;
}

export const REDACTED_VALUE = "[secret]";

type Leaves = Map<string, { path: Path; value: unknown }>;

/** Every leaf of a value, keyed by its path. */
export function leavesOf(value: unknown, path: string[] = [], into: Leaves = new Map()): Leaves {
    if (value !== null && typeof value === "object" && (Array.isArray(value) ? value.length > 0 : Object.keys(value).length > 0)) {
        for (const [key, child] of Object.entries(value as Record<string, unknown>)) leavesOf(child, [...path, key], into);
    } else {
        into.set(JSON.stringify(path), { path, value });
    }
    return into;
}

/** Digests of the secret leaves of a resource's inputs, so a later plan can tell that a redacted value changed. */
export function secretDigests(cleanedInputs: unknown, revealedInputs: unknown, urn: string): Record<string, string> {
    const revealed = leavesOf(revealedInputs);
    const digests: Record<string, string> = {};
    for (const [key, leaf] of leavesOf(cleanedInputs)) {
        if (leaf.value !== REDACTED_VALUE) continue;
        const secret = revealed.get(key)?.value;
        digests[leaf.path.join(".")] = `sha256:${createHash("sha256")
            .update(`istio-ca plan\0${urn}\0${key}\0${JSON.stringify(secret)}`)
            .digest("hex")}`;
    }
    return digests;
}

/** Paths whose values differ; redacted values compare by their digests. */
function changedPaths(previous: PlannedResource, current: PlannedResource): Path[] {
    const before = leavesOf(previous.inputs);
    const after = leavesOf(current.inputs);
    const changed: Path[] = [];
    for (const key of new Set([...before.keys(), ...after.keys()])) {
        const a = before.get(key);
        const b = after.get(key);
        const path = (a ?? b)!.path;
        const dotted = path.join(".");
        const same =
            a !== undefined &&
            b !== undefined &&
            (a.value === REDACTED_VALUE && b.value === REDACTED_VALUE
                ? previous.secretDigests?.[dotted] === current.secretDigests?.[dotted]
                : JSON.stringify(a.value) === JSON.stringify(b.value));
        if (!same) changed.push(path);
    }
    return changed;
}

/** The provider flags (e.g. `enableSecretMutable`) of the provider resource a resource uses. */
function providerFlagsOf(resource: PlannedResource, byName: Map<string, PlannedResource>): Record<string, boolean> {
    const provider = resource.provider ? byName.get(resource.provider) : undefined;
    if (!provider) return {};
    return Object.fromEntries(Object.entries(provider.inputs).map(([key, value]) => [key, value === true || value === "true"]));
}

/** Whether a certificate is within its early renewal window at `now` (the provider then replaces it at plan time). */
function readyForRenewal(previous: PlannedResource, current: PlannedResource, now: Date): boolean {
    const end = Date.parse(String(previous.outputs.validityEndTime ?? ""));
    const earlyHours = Number(current.inputs.earlyRenewalHours ?? 0);
    return Number.isFinite(end) && now.getTime() >= end - earlyHours * 3600000;
}

/** A replacement with a fixed name deletes first: Kubernetes objects named by the program, or `deleteBeforeReplace`. */
function deletesFirst(resource: PlannedResource): boolean {
    const rule = replaceRuleOf(resource.type);
    const name = (resource.inputs.metadata as Record<string, unknown> | undefined)?.name;
    return resource.deleteBeforeReplace || (rule?.deleteBeforeReplaceWhenNamed === true && typeof name === "string" && name !== "");
}

/** Whether the engine would do anything to this resource at all: custom resources it manages. */
function isManaged(resource: PlannedResource): boolean {
    return resource.custom && !resource.read && resource.type !== "pulumi:pulumi:StackReference";
}

/** Replacement reasons of one resource present in both plans, or undefined when it is updated in place (or not at all). */
export function replacementReasons(previous: PlannedResource, current: PlannedResource, changed: readonly Path[], providerFlags: Record<string, boolean>, now: Date): string[] {
    const rule = replaceRuleOf(current.type);
    const forced = changed.filter(
        (path) =>
            (rule ? forcesReplacement(rule, path, providerFlags) : false) ||
            coveredBy(
                current.replaceOnChanges.map((p) => p.split(".")),
                path,
            ),
    );
    const reasons = forced.map((path) => path.join("."));
    if (rule?.renewsEarly && readyForRenewal(previous, current, now)) reasons.push("readyForRenewal");
    return reasons;
}

/** The change the engine would make to each managed resource, from the previous plan to the current one. */
export function diffPlans(previous: readonly PlannedResource[], current: readonly PlannedResource[], now: Date): ResourceChange[] {
    const byUrn = new Map(previous.filter(isManaged).map((resource) => [resource.urn, resource]));
    const currentByName = new Map(current.map((resource) => [resource.name, resource]));
    const changes: ResourceChange[] = [];
    for (const resource of current.filter(isManaged)) {
        const before = byUrn.get(resource.urn);
        const base = { type: resource.type, name: resource.name, urn: resource.urn, changed: [] as string[], replacedBy: [] as string[], stateOnly: [] as string[] };
        if (!before) {
            changes.push({ ...base, operation: "create" });
            continue;
        }
        byUrn.delete(resource.urn);
        const changed = changedPaths(before, resource);
        const rule = replaceRuleOf(resource.type);
        const replacedBy = replacementReasons(before, resource, changed, providerFlagsOf(resource, currentByName), now);
        const stateOnly = changed.filter((path) => coveredBy(rule?.stateOnly, path)).map((path) => path.join("."));
        const change = { ...base, changed: changed.map((path) => path.join(".")), replacedBy, stateOnly };
        if (replacedBy.length > 0) {
            const operation = deletesFirst(resource) ? "delete-before-replace" : "replace";
            changes.push(before.protect && resource.protect ? { ...change, operation: "refused", refused: operation } : { ...change, operation });
        } else {
            changes.push({ ...change, operation: changed.length > 0 ? "update" : "same" });
        }
    }
    for (const gone of byUrn.values()) {
        const base = { type: gone.type, name: gone.name, urn: gone.urn, changed: [], replacedBy: [], stateOnly: [] };
        const keepsObject = gone.retainOnDelete || replaceRuleOf(gone.type)?.deleteLeavesObject === true;
        changes.push(gone.protect ? { ...base, operation: "refused", refused: "delete" } : { ...base, operation: "delete", ...(keepsObject ? { keepsObject } : {}) });
    }
    return changes;
}

const SYMBOL: Record<Operation, string> = { create: "+", same: " ", update: "~", replace: "+-", "delete-before-replace": "-+", delete: "-", refused: "!" };

/** One line per change, `same` left out. */
export function renderChanges(changes: readonly ResourceChange[]): string {
    const lines = changes
        .filter((change) => change.operation !== "same")
        .map((change) => {
            const what = change.operation;
            const detail =
                change.operation === "refused"
                    ? `  protected: pulumi up stops rather than ${change.refused === "delete" ? "delete" : "replace"} it${change.replacedBy.length > 0 ? ` (replaced by: ${change.replacedBy.join(", ")})` : ""}`
                    : change.replacedBy.length > 0
                      ? `  replaced by: ${change.replacedBy.join(", ")}`
                      : change.operation === "update"
                        ? `  changed: ${change.changed.slice(0, 6).join(", ")}${change.changed.length > 6 ? ", ..." : ""}${change.stateOnly.length > 0 ? ` (state only: ${change.stateOnly.join(", ")})` : ""}`
                        : change.keepsObject
                          ? "  (the object stays: only Pulumi's state forgets it)"
                          : "";
            return `  ${SYMBOL[change.operation].padEnd(2)} ${what.padEnd(22)} ${change.type} ${change.name}${detail}`;
        });
    return [...lines, `  ${summarizeChanges(changes)}`].join("\n");
}

/** Counts per operation, e.g. "2 to create, 1 to update in place, 12 unchanged". */
export function summarizeChanges(changes: readonly ResourceChange[]): string {
    const count = (operation: Operation) => changes.filter((change) => change.operation === operation).length;
    const parts: [Operation, string][] = [
        ["create", "to create"],
        ["update", "to update in place"],
        ["replace", "to replace (create before delete)"],
        ["delete-before-replace", "to delete before replace"],
        ["delete", "to delete"],
        ["refused", "refused (protected)"],
        ["same", "unchanged"],
    ];
    return parts
        .map(([operation, label]) => [count(operation), label] as const)
        .filter(([n, label]) => n > 0 || label === "unchanged")
        .map(([n, label]) => `${n} ${label}`)
        .join(", ");
}

/** Why the engine refuses an update, or undefined when it would go ahead. */
export function refusalOf(changes: readonly ResourceChange[]): string | undefined {
    const refused = changes.filter((change) => change.operation === "refused");
    if (refused.length === 0) return undefined;
    const list = (verb: string) => refused.filter((change) => (change.refused === "delete") === (verb === "deleted")).map((change) => change.name);
    const parts = ["deleted", "replaced"].map((verb) => [verb, list(verb)] as const).filter(([, names]) => names.length > 0);
    return `pulumi up would stop: protected resources would be ${parts.map(([verb, names]) => `${verb}: ${names.join(", ")}`).join("; and ")}. A protected resource is neither replaced nor deleted (${ENGINE_RULES.protect}). Fix: if the runbook drops them, run pulumi state unprotect '<urn>' for each first (in this plan: --unprotect <name>); otherwise keep them in the config.`;
}
