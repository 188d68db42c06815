/** Composes the components for a validated stack model. Holds no logic of its own beyond wiring. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CertificateAlerts } from "../components/certificateAlerts";
import { IstioControlPlane } from "../components/istioControlPlane";
import { MeshMtlsPolicy } from "../components/meshMtlsPolicy";
import { alertThresholds } from "./certificateAlerts";
import { StackModel, existingRootAt, istiodHoldsCa, parseStackConfig, rotatesRoots } from "./config";
import { certificateSha256Hex } from "./pki";
import { kubernetesProviderArgs } from "./kubernetesProvider";
import { readRawConfig } from "./pulumiConfig";
import { DEFAULT_ROOT_NAME, IN_CLUSTER_ROOT_SOURCE, ROTATING_CA_MODES, RotationRefusedError, RotationState, guardRotation, readPreviousDeployment, rotationTiming } from "./rotation";
import { STRATEGIES, TrustOutputs } from "./strategies";

/** What `pulumi stack output` shows after an update. */
export interface StackOutputs extends TrustOutputs {
    caMode: string;
    trustDomain: string;
    istioVersion: string;
    /** Rotation phase, roots and timestamps, read back by the next update's guard. */
    rotationState?: pulumi.Output<RotationState>;
}

export interface DeployOptions {
    /** The rotation state to record; it resolves only once istiod is deployed, so a failed update records nothing new. */
    rotationState?: RotationState;
}

export function deployStack(model: StackModel, options: DeployOptions = {}): StackOutputs {
    const strategy = STRATEGIES[model.caMode];

    // One explicit provider for every Kubernetes resource, with Secrets and ConfigMaps updated in place.
    const kubernetes = new k8s.Provider("kubernetes", kubernetesProviderArgs(kubernetesAccessArgs(model)));
    const opts: pulumi.ComponentResourceOptions = { providers: [kubernetes] };
    const istioNamespace = new k8s.core.v1.Namespace("istio-system", { metadata: { name: model.istio.namespace } }, { provider: kubernetes });
    const { ca, istiodDependsOn, trust } = strategy({ model, istioNamespace, opts });

    const controlPlane = new IstioControlPlane("istio", {
        version: model.istio.version,
        namespace: istioNamespace.metadata.name,
        trustDomain: model.trustDomain,
        workloadCerts: model.workloadCerts,
        ca,
        istiodDependsOn,
    }, opts);

    // Policies and rules are custom resources: they need the Istio CRDs, so they come after the control plane.
    const { meshPolicy, alerts } = model;
    if (meshPolicy.enabled) {
        new MeshMtlsPolicy(
            "mesh-policy",
            {
                rootNamespace: model.istio.namespace,
                mtlsMode: meshPolicy.mtlsMode,
                permissiveFallbacks: meshPolicy.permissiveFallbacks,
                pinnedHosts: meshPolicy.pinnedHosts,
                trustDomain: model.trustDomain,
                trustBundle: trust.trustBundle,
            },
            { ...opts, dependsOn: [controlPlane] },
        );
    }
    if (alerts.enabled) {
        const thresholds = alertThresholds(model.intermediateCa, model.rootCa, model.workloadCerts, alerts);
        new CertificateAlerts(
            "certificate-alerts",
            { namespace: model.istio.namespace, thresholds, istiodCa: istiodHoldsCa(model), certManager: model.certManager !== undefined, labels: alerts.ruleLabels },
            { ...opts, dependsOn: [controlPlane] },
        );
    }

    const outputs: StackOutputs = { caMode: model.caMode, trustDomain: model.trustDomain, istioVersion: model.istio.version, ...trust };
    const state = options.rotationState;
    if (state) outputs.rotationState = controlPlane.istiod.id.apply(() => state);
    return outputs;
}

/** The provider's kubeconfig and context from the model (a kubeconfig's contents as a secret). */
function kubernetesAccessArgs(model: StackModel): { kubeconfig?: pulumi.Input<string>; context?: string } {
    const { kubeconfig, context } = model.kubernetes;
    return {
        ...(kubeconfig ? { kubeconfig: "path" in kubeconfig ? kubeconfig.path : pulumi.secret(kubeconfig.contents.reveal()) } : {}),
        ...(context ? { context } : {}),
    };
}

/** Where each root of the model comes from, as the rotation state records it. */
export function rootSourcesOf(model: StackModel): Record<string, string> {
    // Recorded so that a later switch to a root the program makes is seen as the root change it is.
    if (model.certManager?.root === "in-cluster" && !model.existingRoot) return { [DEFAULT_ROOT_NAME]: IN_CLUSTER_ROOT_SOURCE };
    return Object.fromEntries(
        model.rotation.roots.map((name, index) => {
            const existing = existingRootAt(model, index);
            return [name, existing ? `existing sha256:${certificateSha256Hex(existing.certPem)}` : "generated"];
        }),
    );
}

/** The fully qualified name of this stack, which the guard reads its previous outputs from. */
export function selfStackName(): string {
    return `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
}

/** Reads the previous deployment's outputs the guard needs ({} values when there was none). */
async function readPreviousOutputs(stackName: string): Promise<{ rotationState?: unknown; caMode?: unknown }> {
    const ref = new pulumi.StackReference("previous-deployment", { name: stackName });
    const value = (details: pulumi.StackReferenceOutputDetails) => details.value ?? details.secretValue;
    const [rotationState, caMode] = await Promise.all([ref.getOutputDetails("rotationState"), ref.getOutputDetails("caMode")]);
    return { rotationState: value(rotationState), caMode: value(caMode) };
}

export interface RunOptions {
    /** The clock the guard records phase changes with. Default: the system clock. */
    clock?: () => Date;
}

/**
 * Reads and validates this stack's config, reads the previous deployment's rotation state,
 * checks the transition, then deploys. Throws before registering any resource (other than the
 * StackReference that reads the previous state) when the config or the transition is refused.
 */
export async function runStack(options: RunOptions = {}): Promise<StackOutputs> {
    const model = parseStackConfig(readRawConfig());
    const previous = readPreviousDeployment(await readPreviousOutputs(model.rotation.stateStack ?? selfStackName()));
    const rotating = rotatesRoots(model);
    const verdict = guardRotation({
        previous,
        desired: {
            caMode: model.caMode,
            rotating,
            settings: { phase: model.rotation.phase, roots: model.rotation.roots },
            rootSources: rootSourcesOf(model),
            // Rotating strategies set MULTI_ROOT_CA_VALUES from steady on (cert-manager with an in-cluster root too).
            multiRootEnabled: ROTATING_CA_MODES.includes(model.caMode),
            override: model.rotation.override,
        },
        timing: rotationTiming(model),
        now: (options.clock ?? (() => new Date()))(),
    });
    if (!verdict.allowed) throw new RotationRefusedError(verdict.problems);
    return deployStack(model, { rotationState: verdict.state });
}
