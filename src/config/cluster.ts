/** How the program reaches the cluster: the kubeconfig and context of the explicit Kubernetes provider. */
import { KubernetesAccess } from "./model";
import { ConfigReader, RawConfig, fullKey } from "./reader";

/**
 * Why a kubeconfig value is its contents (YAML or JSON) rather than a file path, or undefined for a
 * path. Anything that could be contents counts as contents, so that credentials are never taken
 * as a plain path: the provider's kubeconfig input takes either, and would store such a "path" in clear.
 */
export function kubeconfigContentsSign(text: string): string | undefined {
    if (/[\r\n]/.test(text)) return "it has line breaks";
    if (/^\s*(---|\{|\[|apiVersion\b|kind\s*:|clusters\s*:|contexts\s*:|users\s*:|current-context\s*:|preferences\s*:)/.test(text)) return "it starts like a YAML or JSON document";
    if (/token|password|client-key-data|client-certificate-data|certificate-authority-data|auth-provider/i.test(text)) return "it names a credential field";
    if (/:\s|":/.test(text)) return "it holds a YAML or JSON key";
    return undefined;
}

export function readKubernetesAccess(reader: ConfigReader, raw: RawConfig): KubernetesAccess {
    const access: KubernetesAccess = {};
    const kubeconfig = reader.string("kubeconfig");
    if (kubeconfig !== undefined) {
        const sign = kubeconfigContentsSign(kubeconfig);
        if (sign !== undefined) {
            const contents = reader.secret("kubeconfig", {
                holds: `holds a kubeconfig's contents (${sign}, so it is not taken as a file path), whose users carry cluster credentials,`,
                value: '"$(cat kubeconfig.yaml)"; a file path must have no line breaks, ": " or credential words (token, password) in it',
            });
            if (contents) access.kubeconfig = { contents };
        } else if (kubeconfig.trim() === "") {
            reader.problem(
                "kubeconfig",
                "is empty",
                `set it to a kubeconfig file path, or remove it (pulumi config rm ${fullKey("kubeconfig")}) to use KUBECONFIG or ~/.kube/config.`,
            );
        } else if (raw.deploying && raw.fileExists && !raw.fileExists(kubeconfig)) {
            reader.problem(
                "kubeconfig",
                "names a file that does not exist here",
                `set it to the path of a kubeconfig file, or remove it (pulumi config rm ${fullKey("kubeconfig")}) to use KUBECONFIG or ~/.kube/config.`,
            );
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
