// Call graphs from the whole Train Ticket span files and PetShop's adjacency CSV in ../shared
// (opt-in suite: npm run test:data).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callGraphFromSpans, readGraph, readGraphCsv, readTraces } from '../../src/io/traces.js';
import { sharedDatasets } from './shared.js';

describe('real data, whole', () => {
  it('Train Ticket 2023-01-30 spans give 28 services and 55 edges, entered at the gateway', async () => {
    const { graph, stats } = callGraphFromSpans(await readTraces(join(sharedDatasets, 'trainticket/2023-01-30/trace')));
    expect(stats.services).toHaveLength(28);
    expect(graph.edges).toHaveLength(55);
    expect(graph.entry).toEqual({ 'ts-gateway-service': 1 });
    for (const e of graph.edges) expect(e.probability).toBeGreaterThan(0);
  });
  it('PetShop graph.csv: adjacency without probabilities, by readGraphCsv and readGraph', async () => {
    const file = join(sharedDatasets, 'petshop/high_traffic/graph.csv');
    const g = await readGraphCsv(file);
    expect(g.services).toHaveLength(44);
    expect(g.edges.length).toBeGreaterThan(20);
    expect(g.edges.every((e) => e.probability === undefined)).toBe(true);
    expect((await readGraph(file)).services).toHaveLength(44);
  });
});
