/** Prints the README's config reference table from the config model's key list. */
import { CONFIG_KEYS } from "../src/config";

console.log("| key | type | default | meaning |");
console.log("|---|---|---|---|");
for (const spec of CONFIG_KEYS) {
    const type = spec.secret ? `${spec.type} (secret)` : spec.type;
    console.log(`| \`${spec.key}\` | ${type} | ${spec.default === undefined ? "—" : `\`${spec.default}\``} | ${spec.description} |`);
}
