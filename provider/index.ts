/**
 * The component provider's entry: the components other Pulumi languages can use. Only `IstioCa` is
 * served; its arguments are plain data (no unions or resource objects), so every language can pass them.
 */
export { IstioCa } from "../src/components/istioCa";
