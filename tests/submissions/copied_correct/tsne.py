from util import plot_embedding
from sklearn.manifold import TSNE
subset_ids = np.random.permutation(X_train.shape[0])[:1000]

emb = TSNE(n_components=2, init="pca", random_state=1)
x_original_tsne = emb.fit_transform(X_train[subset_ids])
x_learnt_tsne = TSNE(n_components=2, init="pca", random_state=1).fit_transform(
    train_hidden_representations[subset_ids])
