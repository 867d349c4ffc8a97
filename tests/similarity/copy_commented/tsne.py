from util import plot_embedding
from sklearn.manifold import TSNE
subset_ids = np.random.permutation(X_train.shape[0])[:1000]

# t-SNE на пикселях
tsne = TSNE(n_components=2, init="pca", random_state=1)
x_original_tsne = tsne.fit_transform(X_train[subset_ids])
# t-SNE на скрытом слое
x_learnt_tsne = TSNE(n_components=2, init="pca", random_state=1).fit_transform(
    train_hidden_representations[subset_ids])  # те же 1000 объектов
