def forward( network, X ):
    activations = [ ]
    input = X
    for i in range( len( network ) ):
        activations.append( network[ i ].forward( input ) )
        input = activations[ -1 ]
    assert len( activations ) == len( network )
    return activations


def predict( network, X ):
    logits = forward( network, X )[ -1 ]
    return logits.argmax( axis = -1 )
