/** Prints the configuration reference table (docs/configuration.md) from the config model's key list. */
import { CONFIG_KEYS } from "../src/config";

export function configTable(): string {
    const rows = CONFIG_KEYS.map((spec) => {
        const type = spec.secret ? `${spec.type} (secret)` : spec.type;
        return `| \`${spec.key}\` | ${type} | ${spec.default === undefined ? "—" : `\`${spec.default}\``} | ${spec.description} |`;
    });
    return ["| key | type | default | meaning |", "|---|---|---|---|", ...rows].join("\n");
}

if (require.main === module) console.log(configTable());
