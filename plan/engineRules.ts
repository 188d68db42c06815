/**
 * What the real engine and providers do with a change to each resource type this program uses:
 * which input changes replace the resource, which only touch Pulumi's state, and whether a
 * replacement deletes first. Read from the providers' own code (cited per rule) and kept here as
 * data, in one place, for the offline plan's update report (`plan/diff.ts`) and its emulators.
 *
 * Paths are input property paths (`["metadata", "name"]`); a rule on a path covers everything below it.
 */

export type Path = readonly string[];

export interface ReplaceRule {
    /** Inputs whose change replaces the resource; `"*"` for every input. */
    forceNew: readonly Path[] | "*";
    /** With `"*"`: inputs exempt from it (updated in place). */
    except?: readonly Path[];
    /** Inputs whose change only rewrites Pulumi's state; the real object keeps its old value. */
    stateOnly?: readonly Path[];
    /**
     * Inputs that replace only while a flag of the resource's provider is off (pulumi-kubernetes'
     * `enableSecretMutable`, `enableConfigMapMutable`).
     */
    forceNewUnlessProviderFlag?: { flag: string; paths: readonly Path[] };
    /** A certificate the provider replaces once now is within `earlyRenewalHours` of its end of validity. */
    renewsEarly?: boolean;
    /** A replacement deletes the old object before creating the new one when the object has a fixed name. */
    deleteBeforeReplaceWhenNamed?: boolean;
    /** Deleting the resource leaves the real object in place (only Pulumi's state forgets it). */
    deleteLeavesObject?: boolean;
    /** Where the rule comes from. */
    source: string;
}

const TLS = "hashicorp/terraform-provider-tls v4.3 (bridged by @pulumi/tls 5.6), internal/provider";
const VAULT = "hashicorp/terraform-provider-vault v5.8.0 (bridged by @pulumi/vault 7.8.0), vault/";
/** Every terraform-provider-vault resource: `namespace` is ForceNew (provider.go UpdateSchemaResource, schema_util.go). */
const VAULT_NAMESPACE: Path = ["namespace"];

/** Rules by Pulumi type token. Kubernetes types not listed here take `KUBERNETES_OBJECT_RULE`. */
export const REPLACE_RULES: Readonly<Record<string, ReplaceRule>> = {
    "tls:index/privateKey:PrivateKey": { forceNew: "*", source: `${TLS}/resource_private_key.go: algorithm, rsa_bits, ecdsa_curve RequiresReplace; Update is a no-op` },
    "tls:index/selfSignedCert:SelfSignedCert": {
        forceNew: "*",
        except: [["earlyRenewalHours"]],
        renewsEarly: true,
        source: `${TLS}/resource_self_signed_cert.go: every input RequiresReplace but early_renewal_hours; common_cert.go modifyPlanIfCertificateReadyForRenewal adds ready_for_renewal to RequiresReplace`,
    },
    "tls:index/certRequest:CertRequest": { forceNew: "*", source: `${TLS}/resource_cert_request.go: every input RequiresReplace` },
    "tls:index/locallySignedCert:LocallySignedCert": {
        forceNew: "*",
        except: [["earlyRenewalHours"]],
        renewsEarly: true,
        source: `${TLS}/resource_locally_signed_cert.go: every input RequiresReplace but early_renewal_hours; common_cert.go modifyPlanIfCertificateReadyForRenewal`,
    },
    "vault:index/mount:Mount": {
        forceNew: [["type"], ["sealWrap"], ["externalEntropyAccess"], ["local"], VAULT_NAMESPACE],
        source: `${VAULT}resource_mount.go: type, seal_wrap, external_entropy_access, local ForceNew; path remounts in place`,
    },
    "vault:pkiSecret/secretBackendRootCert:SecretBackendRootCert": {
        forceNew: "*",
        stateOnly: [["ttl"], ["signatureBits"], ["notAfter"]],
        source: `${VAULT}resource_pki_secret_backend_root_cert.go: everything ForceNew but ttl, signature_bits, not_after, whose UpdateContext returns nil`,
    },
    "vault:pkiSecret/secretBackendIntermediateCertRequest:SecretBackendIntermediateCertRequest": {
        forceNew: "*",
        deleteLeavesObject: true,
        source: `${VAULT}resource_pki_secret_backend_intermediate_cert_request.go: no UpdateContext, every input ForceNew; Delete is a no-op`,
    },
    "vault:pkiSecret/secretBackendRootSignIntermediate:SecretBackendRootSignIntermediate": {
        forceNew: "*",
        stateOnly: [["ttl"], ["revoke"], ["issuerRef"], ["notAfter"]],
        // This program never sets revoke.
        deleteLeavesObject: true,
        source: `${VAULT}resource_pki_secret_backend_root_sign_intermediate.go: everything ForceNew but ttl, revoke, issuer_ref, not_after (Update returns nil); Delete revokes only with revoke=true`,
    },
    "vault:pkiSecret/secretBackendIntermediateSetSigned:SecretBackendIntermediateSetSigned": {
        forceNew: [["backend"], ["certificate"], VAULT_NAMESPACE],
        deleteLeavesObject: true,
        source: `${VAULT}resource_pki_secret_backend_intermediate_set_signed.go: backend, certificate ForceNew; Delete is a no-op`,
    },
    "vault:pkiSecret/secretBackendIssuer:SecretBackendIssuer": {
        forceNew: [["backend"], VAULT_NAMESPACE],
        source: `${VAULT}resource_pki_secret_backend_issuer.go: only backend ForceNew; issuer_ref is not (an in-place change keeps patching the old issuer); Delete deletes the issuer`,
    },
    "vault:pkiSecret/secretBackendConfigIssuers:SecretBackendConfigIssuers": {
        forceNew: [VAULT_NAMESPACE],
        deleteLeavesObject: true,
        source: `${VAULT}resource_pki_secret_backend_config_issuers.go: default updates in place; Delete is a no-op`,
    },
    "vault:pkiSecret/secretBackendConfigUrls:SecretBackendConfigUrls": {
        forceNew: [VAULT_NAMESPACE],
        deleteLeavesObject: true,
        source: `${VAULT}resource_pki_secret_backend_config_urls.go: everything in place; Delete is a no-op`,
    },
    "vault:pkiSecret/secretBackendRole:SecretBackendRole": {
        forceNew: [["backend"], ["name"], VAULT_NAMESPACE],
        source: `${VAULT}resource_pki_secret_backend_role.go: backend, name ForceNew`,
    },
    "vault:index/policy:Policy": { forceNew: [["name"], VAULT_NAMESPACE], source: `${VAULT}resource_policy.go: name ForceNew; policy updates in place` },
    "vault:index/authBackend:AuthBackend": {
        forceNew: [["type"], ["local"], VAULT_NAMESPACE],
        source: `${VAULT}resource_auth_backend.go: type, local ForceNew; path remounts in place`,
    },
    "vault:kubernetes/authBackendConfig:AuthBackendConfig": {
        forceNew: [["backend"], VAULT_NAMESPACE],
        source: `${VAULT}resource_kubernetes_auth_backend_config.go: backend ForceNew`,
    },
    "vault:kubernetes/authBackendRole:AuthBackendRole": {
        forceNew: [["roleName"], ["backend"], VAULT_NAMESPACE],
        source: `${VAULT}resource_kubernetes_auth_backend_role.go: role_name, backend ForceNew`,
    },
    "kubernetes:helm.sh/v3:Release": {
        forceNew: [["name"], ["namespace"]],
        source: "pulumi/pulumi-kubernetes provider/pkg/provider/helm_release.go Diff: forceNewFields .name, .namespace; DeleteBeforeReplace false; chart, version and values upgrade in place",
    },
    "kubernetes:core/v1:Secret": {
        ...kubernetesObject([["type"]]),
        forceNewUnlessProviderFlag: { flag: "enableSecretMutable", paths: [["data"], ["stringData"]] },
        source: "pulumi/pulumi-kubernetes provider/pkg/provider/diff.go forceNewProperties: .type, and .data/.stringData unless enableSecretMutable (or immutable: true); provider.go Diff: .metadata.name/.namespace",
    },
    "kubernetes:core/v1:ConfigMap": {
        ...kubernetesObject([]),
        forceNewUnlessProviderFlag: { flag: "enableConfigMapMutable", paths: [["data"], ["binaryData"]] },
        source: "pulumi/pulumi-kubernetes provider/pkg/provider/diff.go forceNewProperties: .data/.binaryData unless enableConfigMapMutable (or immutable: true)",
    },
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": {
        ...kubernetesObject([["roleRef"]]),
        source: "pulumi/pulumi-kubernetes provider/pkg/provider/diff.go: RoleBinding .roleRef",
    },
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": {
        ...kubernetesObject([["roleRef"]]),
        source: "pulumi/pulumi-kubernetes provider/pkg/provider/diff.go: ClusterRoleBinding .roleRef",
    },
};

function kubernetesObject(extra: Path[]): Omit<ReplaceRule, "source"> {
    return { forceNew: [["metadata", "name"], ["metadata", "namespace"], ...extra], deleteBeforeReplaceWhenNamed: true };
}

/**
 * Any other Kubernetes object, custom resources included: only its identity replaces it; a fixed
 * name makes the replacement delete first. A changed apiVersion or kind is a new type token, so
 * the engine creates the new object and deletes the old one.
 */
export const KUBERNETES_OBJECT_RULE: ReplaceRule = {
    ...kubernetesObject([]),
    source: "pulumi/pulumi-kubernetes provider/pkg/provider/provider.go Diff: forceNewFields .metadata.name, .metadata.namespace; deleteBeforeReplace when named and not auto-named",
};

/** Provider config whose change makes the Kubernetes provider a new one, replacing every resource it manages. */
export const KUBERNETES_PROVIDER_RULE: ReplaceRule = {
    forceNew: [["kubeconfig"], ["context"], ["cluster"], ["renderYamlToDirectory"], ["clusterIdentifier"]],
    source: "pulumi/pulumi-kubernetes provider/pkg/provider/provider.go DiffConfig: replaces on a change of the active cluster (kubeconfig, context, cluster), clusterIdentifier or renderYamlToDirectory; the mutable flags update in place",
};

/** The engine's own rules, applied to every resource. */
export const ENGINE_RULES = {
    protect:
        'pulumi/pulumi pkg/resource/deploy/step_generator.go: a replacement of a protected resource fails ("unable to replace resource ... as it is currently marked for protection"); step.go: so does its deletion ("cannot be deleted because it is protected")',
    replaceOnChanges: "pulumi/pulumi pkg/resource/deploy/step_generator.go: a change to a replaceOnChanges path replaces the resource",
    retainOnDelete: "pulumi/pulumi pkg/resource/deploy/step.go DeleteStep: with retainOnDelete the provider's Delete is not called",
};

/** The rule for a resource type, or undefined for types with no provider diff (components, reads, the stack reference). */
export function replaceRuleOf(type: string): ReplaceRule | undefined {
    if (REPLACE_RULES[type]) return REPLACE_RULES[type];
    if (type === "pulumi:providers:kubernetes") return KUBERNETES_PROVIDER_RULE;
    if (type.startsWith("kubernetes:")) return KUBERNETES_OBJECT_RULE;
    return undefined;
}

function covers(rulePath: Path, path: Path): boolean {
    return rulePath.every((segment, index) => path[index] === segment);
}

export function coveredBy(paths: readonly Path[] | undefined, path: Path): boolean {
    return (paths ?? []).some((rulePath) => covers(rulePath, path));
}

/** Whether a change at `path` replaces a resource under `rule`, given its provider's flags. */
export function forcesReplacement(rule: ReplaceRule, path: Path, providerFlags: Record<string, boolean>): boolean {
    if (coveredBy(rule.stateOnly, path)) return false;
    if (rule.forceNew === "*" ? !coveredBy(rule.except, path) : coveredBy(rule.forceNew, path)) return true;
    const conditional = rule.forceNewUnlessProviderFlag;
    return conditional !== undefined && !providerFlags[conditional.flag] && coveredBy(conditional.paths, path);
}
