/**
 * istio-ca: zero-downtime mTLS certificate management for Istio as Pulumi components.
 *
 * `IstioCa` deploys a whole CA path for one mesh from the same settings as the istio-ca program's
 * config. The other components are its parts, for programs that compose their own.
 */

// The whole path.
export { IstioCa } from "./components/istioCa";
export type { IstioCaArgs, PermissiveFallbackArgs, PinnedHostArgs } from "./components/istioCaArgs";
export { IstioCaArgsError } from "./componentArgs";
export { deployMesh } from "./mesh";
export type { MeshDeploymentOptions, MeshOutputs } from "./mesh";
export { deployFleet } from "./fleet";
export type { ClusterOutputs, FleetCluster, FleetDeploymentOptions, FleetOutputs } from "./fleet";

// Istio.
export { IstioControlPlane } from "./components/istioControlPlane";
export type { IstioControlPlaneArgs } from "./components/istioControlPlane";
export type { IstiodCaValues, MultiClusterSettings } from "./istioValues";
export { AmbientDataPlane } from "./components/ambientDataPlane";
export type { AmbientDataPlaneArgs } from "./components/ambientDataPlane";
export { IstiodRaRoots } from "./components/istiodRaRoots";
export type { IstiodRaRootsArgs } from "./components/istiodRaRoots";
export { DATA_PLANES, ztunnelRootRefreshMs } from "./ambient";
export type { DataPlane } from "./ambient";
export { MeshMtlsPolicy } from "./components/meshMtlsPolicy";
export type { MeshMtlsPolicyArgs } from "./components/meshMtlsPolicy";
export { MTLS_MODES } from "./meshPolicy";
export type { MtlsMode, PermissiveFallback, PinnedHost } from "./meshPolicy";

// CA material made by the program.
export { PluginCa } from "./components/pluginCa";
export type { PluginCaArgs, RootCaSpec } from "./components/pluginCa";
export { RootCa } from "./components/rootCa";
export type { RootCaArgs } from "./components/rootCa";

// cert-manager, its issuers, istio-csr and trust-manager.
export { CertManager } from "./components/certManager";
export type { CertManagerArgs, CertManagerRef } from "./components/certManager";
export { CaClusterIssuer } from "./components/caClusterIssuer";
export type { CaClusterIssuerArgs } from "./components/caClusterIssuer";
export { SelfSignedRootIssuer } from "./components/selfSignedRootIssuer";
export type { SelfSignedRootIssuerArgs } from "./components/selfSignedRootIssuer";
export { IntermediateCaCertificate } from "./components/intermediateCaCertificate";
export type { IntermediateCaCertificateArgs } from "./components/intermediateCaCertificate";
export type { IssuerRef, KeyRotationPolicy } from "./certManagerResources";
export { IstioCsr } from "./components/istioCsr";
export type { IstioCsrArgs } from "./components/istioCsr";
export { TrustManager } from "./components/trustManager";
export type { TrustManagerArgs } from "./components/trustManager";
export { MeshTrustBundle } from "./components/meshTrustBundle";
export type { MeshTrustBundleArgs } from "./components/meshTrustBundle";
export { ApproverPolicy } from "./components/approverPolicy";
export type { ApproverPolicyArgs } from "./components/approverPolicy";
export { IssuancePolicies } from "./components/issuancePolicies";
export type { IssuancePoliciesArgs } from "./components/issuancePolicies";
export type { IssuancePolicy } from "./issuancePolicy";

// Vault PKI.
export { VaultPki } from "./components/vaultPki";
export type { VaultIntermediate, VaultIntermediateSettings, VaultPkiArgs } from "./components/vaultPki";
export { clusterIssuerTokenAudience, signerPolicyRules, vaultIntermediatePathLength, vaultSignPath } from "./vault";
export type { SignedIntermediateRequest, SignerRequest, VaultDelivery, WorkloadRoleSettings } from "./vault";
export { VaultKubernetesAuth } from "./components/vaultKubernetesAuth";
export type { VaultKubernetesAuthArgs } from "./components/vaultKubernetesAuth";
export type { VaultPolicyRule } from "./vaultPolicy";
export { VaultClusterIssuer } from "./components/vaultClusterIssuer";
export type { VaultClusterIssuerArgs } from "./components/vaultClusterIssuer";
export type { VaultIssuerSpecSettings } from "./vault";

// Certificate alerts.
export { CertificateAlerts } from "./components/certificateAlerts";
export type { CertificateAlertsArgs } from "./components/certificateAlerts";
export { alertThresholds } from "./certificateAlerts";
export type { AlertThresholds } from "./certificateAlerts";

// Settings shared by the components.
export type { CaCertSettings, ClusterModel, FleetModel, IntermediateCaSettings, KubernetesAccess, WorkloadCertSettings, StackModel } from "./config";
export { KEY_ALGORITHMS } from "./pki";
export type { KeyAlgorithm } from "./pki";

// The CA modes and the config model the program and `IstioCa` share.
export { CA_MODES, CA_MODE_RECORDS, caModeRecord } from "./caModes";
export type { AmbientFacts, CaMode, CaModeRecord, CertManagerDelivery, CertManagerRootSource, RootMaker, WorkloadSigner } from "./caModes";
export { CONFIG_KEYS, ConfigError, parseStackConfig } from "./config";
export type { ConfigKeySpec, ConfigProblem, RawConfig } from "./config";

// Pure logic: rotation phases and trust bundles.
export { ROTATION_PHASES, multiRootValues, rotationPlan } from "./rotation";
export type { RotationPhase, RotationPlan, RotationSettings } from "./rotation";
export { composeTrustBundle, sha256Fingerprint } from "./pki";
