/**
 * Vault ACL policies rendered from data. Only the grammar Vault's policy parser needs is
 * emitted: one `path "<path>" { capabilities = [...] }` block per rule, with an
 * `allowed_parameters` map where a rule constrains the request, nothing else, so what a policy
 * grants is exactly the rules it was made from.
 */

/** Capabilities Vault's ACL system knows. */
export const VAULT_CAPABILITIES = ["create", "read", "update", "patch", "delete", "list", "sudo", "deny", "subscribe"] as const;
export type VaultCapability = (typeof VAULT_CAPABILITIES)[number];

export interface VaultPolicyRule {
    /** API path without `/v1/`, e.g. "pki-istio/sign/workloads". A trailing `*` or `+` segment globs as in Vault. */
    path: string;
    capabilities: VaultCapability[];
    /**
     * The only request parameters allowed, each with its allowed values (`[]`: any value). With the
     * map set, Vault denies every parameter not listed (website/content/docs/concepts/policies.mdx,
     * "Parameter constraints"). Values match exactly: a value of one or two characters never globs,
     * and no value here ends or starts with `*`.
     */
    allowedParameters?: Record<string, string[]>;
}

/** A quoted HCL string. */
function hclString(text: string): string {
    if (/[\u0000-\u001f]/.test(text)) throw new Error(`Vault policy values cannot hold control characters: ${JSON.stringify(text)}`);
    return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Vault paths: mount and endpoint segments of letters, digits, '.', '_', '-', with `+`/`*` globs; no quotes or spaces. */
const POLICY_PATH_RE = /^[A-Za-z0-9._+-]+(\/[A-Za-z0-9._+-]+)*(\/?\*)?$/;

/** Renders a policy document; throws on a rule that is not a well-formed Vault path or capability list. */
export function renderVaultPolicy(rules: VaultPolicyRule[]): string {
    if (rules.length === 0) throw new Error("a Vault policy needs at least one rule");
    const seen = new Set<string>();
    const blocks = rules.map((rule) => {
        if (!POLICY_PATH_RE.test(rule.path)) throw new Error(`"${rule.path}" is not a Vault policy path (no leading slash, quotes or spaces)`);
        if (seen.has(rule.path)) throw new Error(`Vault policy path "${rule.path}" appears twice`);
        seen.add(rule.path);
        if (rule.capabilities.length === 0) throw new Error(`Vault policy path "${rule.path}" has no capabilities`);
        for (const capability of rule.capabilities) {
            if (!(VAULT_CAPABILITIES as readonly string[]).includes(capability)) throw new Error(`"${capability}" is not a Vault capability`);
        }
        if (new Set(rule.capabilities).size !== rule.capabilities.length) throw new Error(`Vault policy path "${rule.path}" repeats a capability`);
        const capabilities = rule.capabilities.map((capability) => `"${capability}"`).join(", ");
        const parameters = Object.entries(rule.allowedParameters ?? {});
        for (const [, values] of parameters) {
            if (values.some((value) => value.startsWith("*") || value.endsWith("*")))
                throw new Error(`Vault policy path "${rule.path}": allowed values glob on a leading or trailing "*"; use exact values`);
        }
        const allowed =
            parameters.length > 0
                ? `  allowed_parameters = {\n${parameters.map(([name, values]) => `    ${hclString(name)} = [${values.map(hclString).join(", ")}]\n`).join("")}  }\n`
                : "";
        return `path "${rule.path}" {\n  capabilities = [${capabilities}]\n${allowed}}\n`;
    });
    return blocks.join("\n");
}
