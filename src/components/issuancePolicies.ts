import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { APPROVER_POLICY_API_VERSION, IssuancePolicy, certificateRequestPolicySpec, policyUseRule } from "../issuancePolicy";

const LABELS = { "app.kubernetes.io/managed-by": "istio-ca" };

export interface IssuancePoliciesArgs {
    /** The requests to approve, one CertificateRequestPolicy each (see `src/issuancePolicy.ts`). */
    policies: IssuancePolicy[];
    /** The approver-policy release: its CRD must exist first. */
    approverPolicy: pulumi.Resource;
    /** Resources the policies wait for besides it, e.g. the namespaces their Roles live in. Default: none. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * One approver-policy CertificateRequestPolicy per kind of request the mesh makes, each usable
 * only by its one requester, and only for requests in its one namespace (a Role and RoleBinding
 * there: approver-policy checks `use` in the request's namespace).
 */
export class IssuancePolicies extends pulumi.ComponentResource {
    /** Everything a request needs to be approved; Certificates wait for these. */
    readonly resources: pulumi.Resource[] = [];

    constructor(name: string, args: IssuancePoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-ca:certmanager:IssuancePolicies", name, {}, opts);
        const names = new Set<string>();
        for (const policy of args.policies) {
            if (names.has(policy.name)) throw new Error(`IssuancePolicies ${name}: policy ${policy.name} is listed twice`);
            names.add(policy.name);
            const after = { parent: this, dependsOn: [args.approverPolicy, ...(args.dependsOn ?? [])] };
            const crp = new k8s.apiextensions.CustomResource(
                `${name}-${policy.name}`,
                {
                    apiVersion: APPROVER_POLICY_API_VERSION,
                    kind: "CertificateRequestPolicy",
                    metadata: { name: policy.name, labels: LABELS },
                    spec: certificateRequestPolicySpec(policy),
                },
                after,
            );
            const role = new k8s.rbac.v1.Role(
                `${name}-${policy.name}-use`,
                { metadata: { name: `${policy.name}-use`, namespace: policy.namespace, labels: LABELS }, rules: [policyUseRule(policy.name)] },
                { parent: this, dependsOn: args.dependsOn },
            );
            const binding = new k8s.rbac.v1.RoleBinding(
                `${name}-${policy.name}-use`,
                {
                    metadata: { name: `${policy.name}-use`, namespace: policy.namespace, labels: LABELS },
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                    subjects: [{ kind: "ServiceAccount", name: policy.requester.name, namespace: policy.requester.namespace }],
                },
                { parent: this, dependsOn: args.dependsOn },
            );
            this.resources.push(crp, role, binding);
        }
        this.registerOutputs({ policies: [...names] });
    }
}
