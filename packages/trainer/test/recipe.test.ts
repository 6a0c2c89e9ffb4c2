import { FINAL_RECIPE, learningRateAt, parseRecipe, RecipeError, SEARCH_RECIPE } from '../src';

describe('recipe', () => {
  it('has the paper defaults', () => {
    for (const r of [SEARCH_RECIPE, FINAL_RECIPE]) {
      expect(r.batchSize).toBe(64);
      expect(r.learningRate).toBe(1e-3);
      expect([r.beta1, r.beta2]).toEqual([0.9, 0.999]);
      expect(r.weightDecay).toBe(0.0015);
      expect(r.mixup).toEqual({ distribution: 'uniform', alpha: 1 });
    }
    expect(SEARCH_RECIPE.epochs).toBe(3);
    expect(FINAL_RECIPE.epochs).toBe(60);
  });

  it('search schedule: x0.1 after each epoch', () => {
    const rates = [0, 1, 2].map((e) => learningRateAt(SEARCH_RECIPE, e));
    expect(rates[0]).toBeCloseTo(1e-3, 15);
    expect(rates[1]).toBeCloseTo(1e-4, 15);
    expect(rates[2]).toBeCloseTo(1e-5, 15);
  });

  it('final schedule: x0.5 every 4 epochs', () => {
    const expected = [
      [0, 1e-3],
      [3, 1e-3],
      [4, 5e-4],
      [7, 5e-4],
      [8, 2.5e-4],
      [59, 1e-3 / 2 ** 14],
    ];
    for (const [epoch, lr] of expected)
      expect(learningRateAt(FINAL_RECIPE, epoch)).toBeCloseTo(lr, 15);
  });

  it('layers a partial recipe over a named base and rejects bad fields', () => {
    const r = parseRecipe({
      base: 'search',
      epochs: 2,
      mixup: { distribution: 'beta', alpha: 0.2 },
    });
    expect(r.epochs).toBe(2);
    expect(r.schedule).toEqual(SEARCH_RECIPE.schedule);
    expect(r.mixup).toEqual({ distribution: 'beta', alpha: 0.2 });
    expect(parseRecipe({ mixup: null }).mixup).toBeNull();
    expect(() => parseRecipe({ epoch: 3 }, 'r.json')).toThrow(
      /r.json: unknown recipe field 'epoch'/,
    );
    expect(() => parseRecipe({ batchSize: 0 })).toThrow(RecipeError);
    expect(() => parseRecipe({ beta1: 1.5 })).toThrow(/beta1/);
    expect(() => parseRecipe([])).toThrow(/JSON object/);
  });
});
