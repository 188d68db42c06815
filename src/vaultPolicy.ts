/**
 * Vault ACL policies rendered from data. Only the grammar Vault's policy parser needs is
 * emitted: one `path "<path>" { capabilities = [...] }` block per rule, nothing else, so
 * what a policy grants is exactly the rules it was made from.
 */

/** Capabilities Vault's ACL system knows. */
export const VAULT_CAPABILITIES = ["create", "read", "update", "patch", "delete", "list", "sudo", "deny", "subscribe"] as const;
export type VaultCapability = (typeof VAULT_CAPABILITIES)[number];

export interface VaultPolicyRule {
    /** API path without `/v1/`, e.g. "pki-istio/sign/workloads". A trailing `*` or `+` segment globs as in Vault. */
    path: string;
    capabilities: VaultCapability[];
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
        return `path "${rule.path}" {\n  capabilities = [${capabilities}]\n}\n`;
    });
    return blocks.join("\n");
}
