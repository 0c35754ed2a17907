export async function main(_o: { json: boolean; rows?: number }): Promise<void> { throw new Error("not yet"); }
