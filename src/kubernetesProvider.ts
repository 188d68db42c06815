/**
 * The Kubernetes provider settings this package's resources rely on. Pass a provider made with
 * these args to every component (`providers: [provider]`), or set the same flags on your own.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface KubernetesClusterAccess {
    /** A kubeconfig file path or the kubeconfig itself (pass contents as a Pulumi secret). Default: `KUBECONFIG`, then `~/.kube/config`. */
    kubeconfig?: pulumi.Input<string>;
    /** Context of the kubeconfig. Default: its current context. */
    context?: pulumi.Input<string>;
}

/**
 * Provider args with Secrets and ConfigMaps updated in place. Without the two flags,
 * pulumi-kubernetes replaces a Secret on any change to `data`/`stringData`/`type`, and a ConfigMap
 * on any change to `data`/`binaryData` (provider/pkg/provider/diff.go, `forceNewProperties`); for an
 * object with a fixed `metadata.name` that replacement deletes before it creates (provider.go, Diff:
 * `deleteBeforeReplace` when named and not auto-named). istiod would then briefly find no `cacerts`
 * and fall back to a self-signed CA, and a protected CA Secret could not be changed at all. With
 * the flags on, only `type`, name and namespace still replace a Secret (diff.go).
 */
export function kubernetesProviderArgs(access: KubernetesClusterAccess = {}): k8s.ProviderArgs {
    return {
        ...(access.kubeconfig !== undefined ? { kubeconfig: access.kubeconfig } : {}),
        ...(access.context !== undefined ? { context: access.context } : {}),
        enableSecretMutable: true,
        enableConfigMapMutable: true,
    };
}
