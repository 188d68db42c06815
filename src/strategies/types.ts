import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterModel, StackModel } from "../config";
import type { VaultPki } from "../components/vaultPki";
import { CaModeRecord } from "../caModes";
import { IstiodCaValues } from "../istioValues";

/**
 * Names a resource the deployment creates outside a component: the base name, prefixed where
 * several deployments share one stack (Pulumi URNs carry the parents' types, not their names).
 */
export type ResourceNamer = (base: string) => string;

/** A root the program knows: its certificate and its key (a Pulumi secret). */
export interface KnownRoot {
    certPem: pulumi.Output<string>;
    keyPem: pulumi.Output<string>;
}

/** What a fleet's clusters share, made once before any cluster: the roots, or Vault's PKI. */
export interface SharedCa {
    /** Roots made by the program (or given), by name. */
    roots?: Record<string, KnownRoot>;
    /** Vault mode: the root mount and one intermediate mount per cluster. */
    vaultPki?: VaultPki;
}

/** The cluster a strategy deploys into, within a fleet. */
export interface FleetClusterContext {
    cluster: ClusterModel;
    /** Made once for the whole fleet by the strategy's `deployShared`. */
    shared: SharedCa;
}

/** What a strategy's `deployShared` is given: the whole fleet, before any cluster. */
export interface SharedContext {
    model: StackModel;
    name: ResourceNamer;
    /** Options of components made once for the fleet (the Vault provider, transformations). */
    opts: pulumi.ComponentResourceOptions;
}

/** What every CA strategy is given. */
export interface StrategyContext {
    model: StackModel;
    name: ResourceNamer;
    /** Set when the cluster is one of a fleet's. */
    fleet?: FleetClusterContext;
    /** istiod's namespace, created before any CA material. */
    istioNamespace: k8s.core.v1.Namespace;
    /** Options every component of the strategy is created with: the explicit providers (Kubernetes). */
    opts: pulumi.ComponentResourceOptions;
    /** Options of a custom resource the strategy creates outside a component. */
    customOpts: pulumi.CustomResourceOptions;
}

/** The trust state a strategy reports in the stack outputs. */
export interface TrustOutputs {
    /** SHA-256 of each root in the trust bundle, where the program knows the roots. */
    trustedRootFingerprints: pulumi.Output<string[]> | string[];
    /** SHA-256 of the root that signs istiod's (or the workloads') CA, or null when unknown to the program. */
    signingRootFingerprint: pulumi.Output<string> | null;
    /** The trust bundle (public PEM), or null when istiod makes its own root. */
    trustBundle: pulumi.Output<string> | null;
}

/** What a strategy contributes to the install. */
export interface CaStrategyResult {
    /** istiod values for this strategy. */
    ca: IstiodCaValues;
    /** Resources istiod must be installed after. */
    istiodDependsOn: pulumi.Resource[];
    trust: TrustOutputs;
    /**
     * SHA-256 of the intermediate that signs for this cluster, where the program makes it (an
     * intermediate cert-manager issues in the cluster never reaches the program).
     */
    intermediateFingerprint?: pulumi.Output<string>;
}

/** Deploys a mode's CA path: its roots, intermediates, issuers and what istiod needs. */
export type DeployCa = (context: StrategyContext) => CaStrategyResult;

/** Makes what a fleet's clusters share, once, before any cluster. */
export type DeployShared = (context: SharedContext) => SharedCa;

/** A CA mode: its facts (what it needs and allows) and how it deploys, alone or in a fleet. */
export interface CaStrategy extends CaModeRecord {
    deploy: DeployCa;
    /** A fleet's shared roots (or Vault PKI); undefined for a mode a fleet cannot share (istiod). */
    deployShared?: DeployShared;
}
