from util import plot_embedding
from sklearn.manifold import TSNE
subset_ids = np.random.permutation(X_train.shape[0])[:1000]

def tsne_2d(features):
    return TSNE(n_components=2, perplexity=40, init="random", random_state=7).fit_transform(features)

x_original_tsne = tsne_2d(X_train[subset_ids])
x_learnt_tsne = tsne_2d(train_hidden_representations[subset_ids])
