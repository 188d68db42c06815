import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CERT_MANAGER_API_VERSION, WAIT_FOR_READY } from "../certManagerResources";
import { VaultIssuerSpecSettings, tokenRequestRule, vaultIssuerSpec } from "../vault";
import { CertManagerRef } from "./certManager";

const LABELS = { "app.kubernetes.io/managed-by": "istio-ca" };

export interface VaultClusterIssuerArgs {
    /** Vault address, sign path, Enterprise namespace, TLS CA bundle, and the Kubernetes auth role and mount path. */
    vault: Omit<VaultIssuerSpecSettings, "serviceAccountName">;
    /** Name of the ClusterIssuer; the Vault role's audience is `vault://<issuerName>`. */
    issuerName: string;
    /** The cert-manager install: the ServiceAccount, Role and RoleBinding go into its cluster resource namespace. */
    certManager: CertManagerRef;
    /** Name of the ServiceAccount Vault's Kubernetes auth role is bound to. */
    serviceAccountName: string;
    /** cert-manager's controller ServiceAccount, which requests the tokens. */
    controllerServiceAccount: { name: string; namespace: pulumi.Input<string> };
    /**
     * Bind `system:auth-delegator` to the ServiceAccount, so that Vault can review a login token
     * with the token itself (Vault outside the cluster, no reviewer JWT). Default: false.
     */
    allowTokenReview?: boolean;
    /** Resources the ClusterIssuer must wait for besides cert-manager (the Vault role, policy and PKI). Default: none. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The cert-manager side of Vault signing: a ServiceAccount that exists only to be logged in
 * with, RBAC that lets cert-manager's controller (and nothing else) create bound tokens for
 * it, and a Vault ClusterIssuer that uses those tokens through Kubernetes auth.
 */
export class VaultClusterIssuer extends pulumi.ComponentResource {
    readonly serviceAccount: k8s.core.v1.ServiceAccount;
    readonly role: k8s.rbac.v1.Role;
    readonly roleBinding: k8s.rbac.v1.RoleBinding;
    readonly issuer: k8s.apiextensions.CustomResource;
    readonly issuerName: string;

    constructor(name: string, args: VaultClusterIssuerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-ca:vault:VaultClusterIssuer", name, {}, opts);
        this.issuerName = args.issuerName;
        const namespace = args.certManager.clusterResourceNamespace;
        const after = { parent: this, dependsOn: [args.certManager.release] };

        this.serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-sa`,
            // Only bound tokens requested by cert-manager: never a mounted or long-lived token.
            { metadata: { name: args.serviceAccountName, namespace, labels: LABELS }, automountServiceAccountToken: false },
            after,
        );
        this.role = new k8s.rbac.v1.Role(
            `${name}-token-creator`,
            { metadata: { name: `${args.serviceAccountName}-token-creator`, namespace, labels: LABELS }, rules: [tokenRequestRule(args.serviceAccountName)] },
            after,
        );
        this.roleBinding = new k8s.rbac.v1.RoleBinding(
            `${name}-token-creator`,
            {
                metadata: { name: `${args.serviceAccountName}-token-creator`, namespace, labels: LABELS },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: this.role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: args.controllerServiceAccount.name, namespace: args.controllerServiceAccount.namespace }],
            },
            after,
        );
        const issuerDependsOn: pulumi.Input<pulumi.Resource>[] = [args.certManager.release, this.serviceAccount, this.roleBinding, ...(args.dependsOn ?? [])];
        if (args.allowTokenReview) {
            issuerDependsOn.push(
                new k8s.rbac.v1.ClusterRoleBinding(
                    `${name}-token-review`,
                    {
                        metadata: { name: `${args.serviceAccountName}-token-review`, labels: LABELS },
                        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" },
                        subjects: [{ kind: "ServiceAccount", name: args.serviceAccountName, namespace }],
                    },
                    after,
                ),
            );
        }
        this.issuer = new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: CERT_MANAGER_API_VERSION,
                kind: "ClusterIssuer",
                metadata: { name: args.issuerName, labels: LABELS, annotations: WAIT_FOR_READY },
                spec: vaultIssuerSpec({ ...args.vault, serviceAccountName: args.serviceAccountName }),
            },
            { parent: this, dependsOn: issuerDependsOn },
        );
        this.registerOutputs({ issuerName: this.issuerName });
    }
}
