/**
 * approver-policy's decision on a CertificateRequest, modelled on cert-manager/approver-policy
 * v0.27.0: pkg/internal/approver/manager/review.go (which policies apply, and approved / denied /
 * left alone), predicate/predicate.go (issuerRef and namespace selectors with wildcards, and the
 * `use` check of the requester in the request's namespace), allowed/evaluator.go and
 * constraints/evaluator.go (what a policy allows), util/wildcard.go (`*` globs).
 */
import { PlanResult } from "../plan/engine";
import { parseDuration } from "../src/duration";

export interface RequestModel {
    namespace: string;
    /** `spec.username`: who created the request. */
    username: string;
    issuerRef: { name: string; kind: string; group?: string };
    isCA?: boolean;
    commonName?: string;
    dnsNames?: string[];
    uris?: string[];
    organizations?: string[];
    usages?: string[];
    /** Go duration, e.g. "8760h". */
    duration?: string;
    privateKey?: { algorithm: string; size: number };
}

export type Decision = "approved" | "denied" | "unprocessed";

/** A CertificateRequestPolicy with who may use it, and where. */
export interface BoundPolicy {
    name: string;
    spec: Record<string, any>;
    /** Usernames granted `use`, by the namespace of the grant ("*" for a ClusterRoleBinding). */
    users: { namespace: string; username: string }[];
}

function wildcard(pattern: string, value: string): boolean {
    const regex = new RegExp(
        `^${pattern
            .split("*")
            .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"))
            .join(".*")}$`,
    );
    return regex.test(value);
}

function selects(policy: BoundPolicy, request: RequestModel): boolean {
    const issuer = policy.spec.selector?.issuerRef;
    if (issuer) {
        const kind = request.issuerRef.kind || "Issuer";
        const group = request.issuerRef.group || "cert-manager.io";
        if (issuer.name !== undefined && !wildcard(issuer.name, request.issuerRef.name)) return false;
        if (issuer.kind !== undefined && !wildcard(issuer.kind, kind)) return false;
        if (issuer.group !== undefined && !wildcard(issuer.group, group)) return false;
    }
    const names: string[] | undefined = policy.spec.selector?.namespace?.matchNames;
    if (names && !names.some((name) => wildcard(name, request.namespace))) return false;
    return policy.users.some((grant) => grant.username === request.username && (grant.namespace === "*" || grant.namespace === request.namespace));
}

/** Problems of a request against one policy's `allowed` and `constraints`; none: the policy approves it. */
export function policyProblems(spec: Record<string, any>, request: RequestModel): string[] {
    const problems: string[] = [];
    const allowed = spec.allowed ?? {};
    const single = (field: string, value: string | undefined, rule: { value?: string; required?: boolean } | undefined) => {
        if (!value) {
            if (rule?.required) problems.push(`${field}: required`);
            return;
        }
        if (!rule || rule.value === undefined || !wildcard(rule.value, value)) problems.push(`${field}: ${value} not allowed`);
    };
    const list = (field: string, values: string[] | undefined, rule: { values?: string[]; required?: boolean } | undefined) => {
        const given = values ?? [];
        if (given.length === 0) {
            if (rule?.required) problems.push(`${field}: required`);
            return;
        }
        for (const value of given) if (!(rule?.values ?? []).some((pattern) => wildcard(pattern, value))) problems.push(`${field}: ${value} not allowed`);
    };
    single("commonName", request.commonName, allowed.commonName);
    list("dnsNames", request.dnsNames, allowed.dnsNames);
    list("uris", request.uris, allowed.uris);
    list("subject.organizations", request.organizations, allowed.subject?.organizations);
    if (request.isCA && allowed.isCA !== true) problems.push("isCA: not allowed");
    for (const usage of request.usages ?? []) if (!(allowed.usages ?? []).includes(usage)) problems.push(`usages: ${usage} not allowed`);
    const constraints = spec.constraints ?? {};
    if (constraints.minDuration !== undefined || constraints.maxDuration !== undefined) {
        const duration = request.duration === undefined ? undefined : parseDuration(request.duration);
        if (duration === undefined) problems.push("duration: required");
        else {
            if (constraints.minDuration !== undefined && duration < parseDuration(constraints.minDuration)!)
                problems.push(`duration: ${request.duration} below ${constraints.minDuration}`);
            if (constraints.maxDuration !== undefined && duration > parseDuration(constraints.maxDuration)!)
                problems.push(`duration: ${request.duration} above ${constraints.maxDuration}`);
        }
    }
    const key = constraints.privateKey;
    if (key) {
        if (!request.privateKey) problems.push("privateKey: unknown");
        else {
            if (key.algorithm !== undefined && key.algorithm !== request.privateKey.algorithm) problems.push(`privateKey.algorithm: ${request.privateKey.algorithm}`);
            if (key.minSize !== undefined && request.privateKey.size < key.minSize) problems.push(`privateKey.size: ${request.privateKey.size}`);
            if (key.maxSize !== undefined && request.privateKey.size > key.maxSize) problems.push(`privateKey.size: ${request.privateKey.size}`);
        }
    }
    return problems;
}

/** review.go: approved when one applicable policy allows it, denied when some apply and none does, left alone when none applies. */
export function decide(policies: BoundPolicy[], request: RequestModel): Decision {
    const applicable = policies.filter((policy) => selects(policy, request));
    if (applicable.length === 0) return "unprocessed";
    return applicable.some((policy) => policyProblems(policy.spec, request).length === 0) ? "approved" : "denied";
}

/** The policies a plan creates, with the `use` grants its Roles and RoleBindings make. */
export function boundPoliciesOf(plan: PlanResult): BoundPolicy[] {
    const byKind = (kind: string) => plan.resources.filter((r) => (r.inputs as any).kind === kind || r.type.endsWith(`:${kind}`));
    const roles = byKind("Role").map((r) => r.inputs as any);
    const bindings = byKind("RoleBinding").map((r) => r.inputs as any);
    return byKind("CertificateRequestPolicy").map((resource) => {
        const inputs = resource.inputs as any;
        const name = inputs.metadata.name;
        const users: BoundPolicy["users"] = [];
        for (const role of roles) {
            const grants = (role.rules ?? []).some(
                (rule: any) =>
                    rule.verbs.includes("use") &&
                    rule.resources.includes("certificaterequestpolicies") &&
                    rule.apiGroups.includes("policy.cert-manager.io") &&
                    (rule.resourceNames ?? [name]).includes(name),
            );
            if (!grants) continue;
            for (const binding of bindings.filter((b) => b.metadata.namespace === role.metadata.namespace && b.roleRef.name === role.metadata.name && b.roleRef.kind === "Role")) {
                for (const subject of binding.subjects)
                    if (subject.kind === "ServiceAccount")
                        users.push({ namespace: role.metadata.namespace, username: `system:serviceaccount:${subject.namespace}:${subject.name}` });
            }
        }
        return { name, spec: inputs.spec, users };
    });
}
