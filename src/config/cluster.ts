/** How the program reaches the cluster: the kubeconfig and context of the explicit Kubernetes provider. */
import { KubernetesAccess } from "./model";
import { ConfigReader, RawConfig, fullKey } from "./reader";

/** A kubeconfig's contents (YAML or JSON) rather than a file path. */
export function looksLikeKubeconfigContents(text: string): boolean {
    return text.includes("\n") || /^\s*(\{|apiVersion:|kind:|clusters:)/.test(text);
}

export function readKubernetesAccess(reader: ConfigReader, raw: RawConfig): KubernetesAccess {
    const access: KubernetesAccess = {};
    const kubeconfig = reader.string("kubeconfig");
    if (kubeconfig !== undefined) {
        if (looksLikeKubeconfigContents(kubeconfig)) {
            const contents = reader.secret("kubeconfig", { holds: "holds a kubeconfig, whose users carry cluster credentials,", value: '"$(cat kubeconfig.yaml)"' });
            if (contents) access.kubeconfig = { contents };
        } else if (kubeconfig.trim() === "") {
            reader.problem("kubeconfig", "is empty", `set it to a kubeconfig file path, or remove it (pulumi config rm ${fullKey("kubeconfig")}) to use KUBECONFIG or ~/.kube/config.`);
        } else if (raw.deploying && raw.fileExists && !raw.fileExists(kubeconfig)) {
            reader.problem("kubeconfig", "names a file that does not exist here", `set it to the path of a kubeconfig file, or remove it (pulumi config rm ${fullKey("kubeconfig")}) to use KUBECONFIG or ~/.kube/config.`);
        } else {
            access.kubeconfig = { path: kubeconfig };
        }
    }
    const context = reader.string("kubernetesContext");
    if (context !== undefined) {
        if (context.trim() === "" || /[\s"]/.test(context)) {
            reader.problem("kubernetesContext", "is not a kubeconfig context name", `set it to a name from: kubectl config get-contexts -o name`);
        } else {
            access.context = context;
        }
    }
    return access;
}
