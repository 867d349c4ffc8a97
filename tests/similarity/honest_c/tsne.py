from util import plot_embedding
from sklearn.manifold import TSNE
subset_ids = np.random.permutation(X_train.shape[0])[:1000]
# x_original_tsne = <ваш код>
# x_learnt_tsne = <ваш код>
tsne_pixels = TSNE(n_components=2, learning_rate="auto", init="random")
tsne_hidden = TSNE(n_components=2, learning_rate="auto", init="random")
x_original_tsne = tsne_pixels.fit_transform(X_train[subset_ids])
x_learnt_tsne = tsne_hidden.fit_transform(train_hidden_representations[subset_ids])
