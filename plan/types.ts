/** The offline plan's result: every resource the program registered, and the stack's outputs. */
import type { ResourceChange } from "./diff";

export interface PlannedResource {
    /** Pulumi type token, e.g. `kubernetes:core/v1:Secret`. */
    type: string;
    name: string;
    /** Name of the parent resource, or null for resources at the stack's top level. */
    parent: string | null;
    urn: string;
    custom: boolean;
    protect: boolean;
    /** `retainOnDelete`: deleting it only drops it from the state. */
    retainOnDelete: boolean;
    /** `replaceOnChanges`: input paths whose change replaces it, besides the provider's own. */
    replaceOnChanges: string[];
    /** `deleteBeforeReplace` as the program set it. */
    deleteBeforeReplace: boolean;
    /** Names of the resources this one waits for (explicit and implied by inputs). */
    dependsOn: string[];
    /** Name of the explicit provider resource it uses, or null for the default provider. */
    provider: string | null;
    /** A read of an existing object (`.get`), which the engine does not manage. */
    read: boolean;
    inputs: Record<string, unknown>;
    outputs: Record<string, unknown>;
    /** SHA-256 digests of the inputs shown as "[secret]", by dotted path, so a later plan can tell they changed. */
    secretDigests: Record<string, string>;
}

export interface PlanResult {
    project: string;
    stack: string;
    outputs: Record<string, unknown>;
    resources: PlannedResource[];
    /** What the engine would do to each resource, when the plan was given a previous one. */
    changes?: ResourceChange[];
}
