import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StackModel } from "../config";
import { CaModeRecord } from "../caModes";
import { IstiodCaValues } from "../istioValues";

/**
 * Names a resource the deployment creates outside a component: the base name, prefixed where
 * several deployments share one stack (Pulumi URNs carry the parents' types, not their names).
 */
export type ResourceNamer = (base: string) => string;

/** What every CA strategy is given. */
export interface StrategyContext {
    model: StackModel;
    name: ResourceNamer;
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
}

/** Deploys a mode's CA path: its roots, intermediates, issuers and what istiod needs. */
export type DeployCa = (context: StrategyContext) => CaStrategyResult;

/** A CA mode: its facts (what it needs and allows) and how it deploys. */
export interface CaStrategy extends CaModeRecord {
    deploy: DeployCa;
}
