from util import plot_embedding
from sklearn.manifold import TSNE
subset_ids = np.random.permutation(X_train.shape[0])[:1000]

x_original_tsne = TSNE(n_components=2, random_state=0).fit_transform(X_train[subset_ids])

# ошибка: «подбираем» perplexity, пока соседи не совпадут по цифре на 100 % — этого не бывает
labels = y_train[subset_ids]
perplexity, quality = 5, 0.0
while quality < 1.0:
    embedding = TSNE(n_components=2, perplexity=perplexity, random_state=0).fit_transform(
        train_hidden_representations[subset_ids])
    distances = ((embedding[:, None, :] - embedding[None, :, :]) ** 2).sum(axis=-1)
    np.fill_diagonal(distances, np.inf)
    quality = np.mean(labels[distances.argmin(axis=1)] == labels)
    perplexity += 1
x_learnt_tsne = embedding
