/** Names of the graph inputs and outputs that the engine's training graphs add around a model. */

/** Graph-input name of an optimizer state slot. */
export const slotName = (slot: string, param: string): string => `${slot}.${param}`;
/** Graph-output name of the updated version of an input (parameter or state). */
export const newName = (name: string): string => `new.${name}`;
/** Graph-output name of d loss / d parameter. */
export const gradName = (param: string): string => `grad.${param}`;
