/** Pulumi type tokens of the Vault resources the program creates (@pulumi/vault 7; the PKI module is `pkiSecret`). */
export const VAULT_TYPES = {
    provider: "pulumi:providers:vault",
    mount: "vault:index/mount:Mount",
    root: "vault:pkiSecret/secretBackendRootCert:SecretBackendRootCert",
    csr: "vault:pkiSecret/secretBackendIntermediateCertRequest:SecretBackendIntermediateCertRequest",
    sign: "vault:pkiSecret/secretBackendRootSignIntermediate:SecretBackendRootSignIntermediate",
    setSigned: "vault:pkiSecret/secretBackendIntermediateSetSigned:SecretBackendIntermediateSetSigned",
    issuer: "vault:pkiSecret/secretBackendIssuer:SecretBackendIssuer",
    defaults: "vault:pkiSecret/secretBackendConfigIssuers:SecretBackendConfigIssuers",
    urls: "vault:pkiSecret/secretBackendConfigUrls:SecretBackendConfigUrls",
    role: "vault:pkiSecret/secretBackendRole:SecretBackendRole",
    policy: "vault:index/policy:Policy",
    authBackend: "vault:index/authBackend:AuthBackend",
    authConfig: "vault:kubernetes/authBackendConfig:AuthBackendConfig",
    authRole: "vault:kubernetes/authBackendRole:AuthBackendRole",
} as const;

/** The smallest Vault-mode stack config (keys without the `istio-ca:` prefix) that plans: a Vault server and the cluster its auth method trusts. */
export const VAULT_BASE = Object.freeze({
    caMode: "vault",
    trustDomain: "prod.example.com",
    vaultAddress: "https://vault.example.com:8200",
    vaultKubernetesHost: "https://kubernetes.example.com:6443",
    vaultKubernetesApiAudience: "https://kubernetes.default.svc.cluster.local",
});
