import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { VaultPolicyRule, renderVaultPolicy } from "../vaultPolicy";

/** Args of VaultKubernetesAuth; pass the Vault provider as the `providers` resource option. */
export interface VaultKubernetesAuthArgs {
    /** Path of the `kubernetes` auth mount, e.g. "kubernetes-istio" (login at `auth/<path>/login`). */
    path: string;
    /** URL of the cluster's API server, which Vault calls for TokenReviews. */
    kubernetesHost: string;
    /** PEM CA of the API server's serving certificate. Default: none (Vault's system roots). */
    kubernetesCaCert?: string;
    /**
     * Who reviews login tokens. "client": each login token reviews itself, so Vault must not swap in
     * its own pod's ServiceAccount token and CA (`disableLocalCaJwt`), which the mesh cluster's API
     * server would reject when Vault runs in a pod elsewhere. "vault": Vault's own in-cluster
     * ServiceAccount reviews them. Default: "client".
     */
    tokenReviewer?: "client" | "vault";
    /** Name of the Vault role the signer logs in with. */
    roleName: string;
    /** The one ServiceAccount allowed to log in with the role. */
    serviceAccount: { name: string; namespace: string };
    /** Audience the ServiceAccount token must carry, e.g. "vault://istio-ca-vault". */
    audience: string;
    /** Lifetime of the Vault token a login returns, seconds. Also its maximum. */
    tokenTtlSeconds: number;
    /** Name of the signer's policy. */
    policyName: string;
    /** What the policy grants: the sign path(s) the signer uses, nothing else. */
    policyRules: VaultPolicyRule[];
}

/**
 * Kubernetes auth for the mesh's signer: a `kubernetes` auth mount configured for the cluster,
 * a least-privilege policy rendered from data, and a role bound to exactly one ServiceAccount
 * in one namespace with one audience, issuing short-lived tokens that carry only that policy.
 */
export class VaultKubernetesAuth extends pulumi.ComponentResource {
    readonly backend: vault.AuthBackend;
    readonly policy: vault.Policy;
    readonly role: vault.kubernetes.AuthBackendRole;
    /** The policy document (HCL). */
    readonly policyHcl: string;
    /** Login mount path as cert-manager's `auth.kubernetes.mountPath` takes it: `/v1/auth/<path>`. */
    readonly mountPath: string;

    constructor(name: string, args: VaultKubernetesAuthArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-ca:vault:VaultKubernetesAuth", name, {}, opts);
        const child = { parent: this };
        this.policyHcl = renderVaultPolicy(args.policyRules);
        this.mountPath = `/v1/auth/${args.path}`;

        this.backend = new vault.AuthBackend(`${name}-backend`, { type: "kubernetes", path: args.path, description: "istio-ca signer login" }, child);
        const config = new vault.kubernetes.AuthBackendConfig(
            `${name}-config`,
            {
                backend: this.backend.path,
                kubernetesHost: args.kubernetesHost,
                kubernetesCaCert: args.kubernetesCaCert,
                disableLocalCaJwt: (args.tokenReviewer ?? "client") === "client",
            },
            child,
        );
        this.policy = new vault.Policy(`${name}-policy`, { name: args.policyName, policy: this.policyHcl }, child);
        this.role = new vault.kubernetes.AuthBackendRole(
            `${name}-role`,
            {
                backend: this.backend.path,
                roleName: args.roleName,
                boundServiceAccountNames: [args.serviceAccount.name],
                boundServiceAccountNamespaces: [args.serviceAccount.namespace],
                audience: args.audience,
                tokenPolicies: [this.policy.name],
                // Only the signer's policy: no `default` policy on its tokens.
                tokenNoDefaultPolicy: true,
                tokenTtl: args.tokenTtlSeconds,
                tokenMaxTtl: args.tokenTtlSeconds,
            },
            { ...child, dependsOn: [config] },
        );
        this.registerOutputs({ roleName: this.role.roleName, policyName: this.policy.name });
    }
}
