/**
 * graphHash (src/ir/graph-hash.ts), the export cache's key: the same model
 * recorded twice hashes alike, whatever order its constants were added in;
 * one attribute, one constant byte, one shape or one metadata field changed
 * gives another hash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Model } from '../../src/model/model.js';
import { cloneGraph } from '../../src/ir/passes.js';
import { graphHash } from '../../src/ir/graph-hash.js';
import type { IrGraph } from '../../src/ir/graph.js';

/** A copy of `g` whose first node with a numeric attribute has that attribute plus one. */
function withOneAttributeChanged(g: IrGraph): { graph: IrGraph; what: string } {
  const graph = cloneGraph(g);
  for (const n of graph.nodes) {
    const attrs = n.attrs as Record<string, unknown>;
    const key = Object.keys(attrs).find((k) => typeof attrs[k] === 'number');
    if (key === undefined) continue;
    attrs[key] = (attrs[key] as number) + 1;
    return { graph, what: `${n.name}.${key}` };
  }
  throw new Error('no node has a numeric attribute');
}

test('graphHash: stable for the same graph, different for one changed attribute, byte, shape or metadata field', async () => {
  const model = Model.create('tiny', 0);
  try {
    const g = await model.graph(1);
    const h = graphHash(g);
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.equal(graphHash(await model.graph(1)), h, 'recorded twice, hashed alike');
    const reordered = cloneGraph(g);
    reordered.constants = new Map([...g.constants].reverse());
    assert.equal(graphHash(reordered), h, 'constant insertion order does not matter');

    const attr = withOneAttributeChanged(g);
    assert.notEqual(graphHash(attr.graph), h, `attribute ${attr.what}`);

    const byte = cloneGraph(g);
    const [name, t] = [...byte.constants][0]!;
    const data = t.data.slice();
    data[0] = data[0]! + 1;
    byte.constants.set(name, { ...t, data });
    assert.notEqual(graphHash(byte), h, `one value of constant ${name}`);

    const shape = cloneGraph(g);
    shape.inputs[0]!.shape = [2, ...shape.inputs[0]!.shape.slice(1)];
    assert.notEqual(graphHash(shape), h, 'input shape');

    const meta = cloneGraph(g);
    meta.metadata = { ...meta.metadata, modelSha256: 'another model' };
    assert.notEqual(graphHash(meta), h, 'metadata');
  } finally {
    model.dispose();
  }
});
